// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.sysfs.Machine;
import java.nio.charset.StandardCharsets;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/** Helpers of the zram driver tests. */
final class ZramTesting {

    private ZramTesting() {
    }

    static final String Z0 = "/sys/block/zram0/";

    /** One write(2) of the bytes of {@code s} (ISO-8859-1): the bytes written or the errno's name. */
    static String store(Machine m, String path, String s) {
        try {
            return Integer.toString(m.write(path, s.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    /** The errno of {@code r}, or null if it succeeded. */
    static Errno errnoOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** The log since {@code marker} has no splat (BUG, WARNING, Oops, lockdep, hung task). */
    static KernelLog.Scan splats(Machine m, long marker) {
        return m.kernel().log().scan(marker);
    }

    /** Chronicle's native memory in use, after releasing what is pending. */
    static long chronicleNativeBytes() {
        BackgroundResourceReleaser.releasePendingResources();
        return OS.memory().nativeMemoryUsed();
    }

    /** A machine with 2 CPUs, zram available (not loaded), the given default fix set. */
    static Machine machine(ZramFixes fixes, ZramKconfig kconfig) {
        return Machine.builder().cpus(2).zramFixes(fixes).zramKconfig(kconfig).build();
    }
}
