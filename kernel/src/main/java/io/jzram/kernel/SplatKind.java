// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import java.util.regex.Pattern;

/**
 * The kinds of kernel-log lines that mean something went wrong: the patterns the seed's sysfs
 * selftest (and syzkaller, and every kernel CI) scans dmesg for. A line is classified by the
 * first kind whose pattern it contains, in declaration order.
 */
public enum SplatKind {
    /** lockdep: "WARNING: possible circular locking dependency detected". */
    CIRCULAR_LOCKING("possible circular locking dependency detected"),
    /** lockdep: "WARNING: possible recursive locking detected". */
    RECURSIVE_LOCKING("possible recursive locking detected"),
    /** hung-task watchdog: "INFO: task X:PID blocked for more than N seconds." */
    HUNG_TASK("blocked for more than"),
    /** "general protection fault". */
    GENERAL_PROTECTION_FAULT("general protection fault"),
    /** "Oops: ..." (the oops line that follows a BUG). */
    OOPS("Oops:"),
    /** "BUG: ..." */
    BUG("BUG:"),
    /** "WARNING: ..." (a WARN() splat, or another lockdep warning). */
    WARNING("WARNING:");

    private final String needle;
    private final Pattern pattern;

    SplatKind(String needle) {
        this.needle = needle;
        this.pattern = Pattern.compile(Pattern.quote(needle));
    }

    /** The text this kind matches. */
    public String needle() {
        return needle;
    }

    /** The regular expression for grep -E style scans of a dmesg dump. */
    public Pattern pattern() {
        return pattern;
    }

    /** The kind of a log line, or null when the line is harmless. */
    public static SplatKind classify(String line) {
        for (SplatKind k : values()) {
            if (line.contains(k.needle)) {
                return k;
            }
        }
        return null;
    }
}
