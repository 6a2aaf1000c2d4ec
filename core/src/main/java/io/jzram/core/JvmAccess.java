// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * The JVM flags the off-heap pool needs, checked once, up front: Chronicle Bytes reaches into
 * JDK internals (jdk.internal.ref's Cleaner, sun.nio.ch's direct buffers, jdk.internal.misc's
 * Unsafe), and without the exports and opens it fails deep inside its native store with an
 * AssertionError. {@link #check()} runs before the first device is built and instead fails with
 * an {@link IllegalStateException} whose message lists exactly the flags the running JDK lacks,
 * and the argument file that carries them all ({@code java @jzram.jvmopts}; on JDK 24 and later
 * {@code @jzram-jdk24.jvmopts}, which adds native access and Unsafe memory access: options that
 * keep those JDKs from warning, and that JDK 17 (native access) and JDK 22 (Unsafe memory access)
 * do not know).
 *
 * <p>The flags are the root pom's {@code jzram.jvm.flags}; {@code java -jar jzram.jar} gets them
 * from the jar's manifest. Stateless; the check's result is a constant of the running JVM.
 */
public final class JvmAccess {

    /** Packages of java.base Chronicle needs exported to it. */
    static final List<String> EXPORTS = List.of("jdk.internal.ref", "sun.nio.ch", "jdk.internal.misc");
    /** Packages of java.base Chronicle needs opened to it (deep reflection). */
    static final List<String> OPENS = List.of("java.lang", "java.lang.reflect", "java.nio", "sun.nio.ch", "jdk.internal.misc");

    private JvmAccess() {
    }

    /**
     * Fails with the flags to add when the running JVM does not give the off-heap store what it
     * needs; returns quietly otherwise.
     *
     * @throws IllegalStateException listing the missing flags, one per line
     */
    public static void check() {
        List<String> missing = Holder.MISSING;
        if (!missing.isEmpty()) {
            throw new IllegalStateException(message(missing));
        }
    }

    /**
     * The flags the running JVM lacks (empty when it has them all).
     *
     * @return the flags, in command-line form, e.g. {@code --add-opens=java.base/java.nio=ALL-UNNAMED}
     */
    public static List<String> missingFlags() {
        return Holder.MISSING;
    }

    static String message(List<String> missing) {
        String argfile = Runtime.version().feature() >= 24 ? "jzram-jdk24.jvmopts" : "jzram.jvmopts";
        List<String> quieting = quieting(BytesStore.class.getModule());
        return "jzram's off-heap store needs JVM flags this JVM (Java " + Runtime.version() + ") was started without:\n  "
                + String.join("\n  ", missing)
                + (quieting.isEmpty() ? "" : "\nand, to keep this JDK from warning about them:\n  " + String.join("\n  ", quieting))
                + "\nAdd them to the java command line, or pass the repository's argument file: java @" + argfile + " ...";
    }

    /** Computed once per JVM: the answer cannot change while it runs. */
    private static final class Holder {
        static final List<String> MISSING = List.copyOf(missing(BytesStore.class.getModule()));
    }

    static List<String> missing(Module chronicle) {
        Module base = Object.class.getModule();
        String target = chronicle.isNamed() ? chronicle.getName() : "ALL-UNNAMED";
        List<String> out = new ArrayList<>();
        for (String p : EXPORTS) {
            if (!base.isExported(p, chronicle)) {
                out.add("--add-exports=java.base/" + p + "=" + target);
            }
        }
        for (String p : OPENS) {
            if (!base.isOpen(p, chronicle)) {
                out.add("--add-opens=java.base/" + p + "=" + target);
            }
        }
        return out;
    }

    /**
     * Flags whose absence only costs warnings on stderr (JDK 22+: restricted native calls; JDK 24+:
     * sun.misc.Unsafe memory access), named in the message beside the missing ones.
     */
    static List<String> quieting(Module chronicle) {
        String target = chronicle.isNamed() ? chronicle.getName() : "ALL-UNNAMED";
        List<String> out = new ArrayList<>();
        if (Runtime.version().feature() >= 22 && !nativeAccessEnabled(chronicle)) {
            out.add("--enable-native-access=" + target);
        }
        if (Runtime.version().feature() >= 24 && !jvmArgument("--sun-misc-unsafe-memory-access=allow")) {
            out.add("--sun-misc-unsafe-memory-access=allow");
        }
        return out;
    }

    /** Module.isNativeAccessEnabled() (JDK 22+), called reflectively so this compiles for 17. */
    private static boolean nativeAccessEnabled(Module m) {
        try {
            Method isEnabled = Module.class.getMethod("isNativeAccessEnabled");
            return (Boolean) isEnabled.invoke(m);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private static boolean jvmArgument(String arg) {
        try {
            return ManagementFactory.getRuntimeMXBean().getInputArguments().contains(arg);
        } catch (RuntimeException | LinkageError e) {
            return true; // no management: cannot tell, and this one only silences a warning
        }
    }
}
