// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

/**
 * The JVM flags every benchmark fork needs: the root pom's {@code jzram.jvm.flags} (the off-heap
 * store's exports and opens), one per element, because JMH forks get neither the jar manifest's
 * Add-Exports nor Maven's properties. A test checks this list against the pom. On JDK 22+ also
 * pass {@code -jvmArgsPrepend "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"}
 * (JDK 17 refuses the second flag, so it cannot be here).
 */
final class BenchFlags {
    private BenchFlags() {
    }

    static final String F1 = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    static final String F2 = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String F3 = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String F4 = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    static final String F5 = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    static final String F6 = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    static final String F7 = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String F8 = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String F9 = "-Dchronicle.analytics.disable=true";

    /** The flags in pom order. */
    static String[] all() {
        return new String[] {F1, F2, F3, F4, F5, F6, F7, F8, F9};
    }
}
