// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The process's resident set size, for the storm's progress lines (a soak watches it stay flat). */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** {@code VmRSS} of /proc/self/status in bytes; -1 where there is no such file (not Linux). */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim();
                    int sp = kb.indexOf(' ');
                    return Long.parseLong(sp < 0 ? kb : kb.substring(0, sp)) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1fMiB", bytes / 1048576.0);
    }
}
