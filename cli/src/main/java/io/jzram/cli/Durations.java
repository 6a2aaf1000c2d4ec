// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users type them: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, or bare seconds. */
final class Durations {

    /** 100 years: far beyond any run, and far from the overflow of now + duration in nanoseconds. */
    private static final double MAX_NANOS = 100 * 365.25 * 86400e9;
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Durations() {
    }

    static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (examples: 30s, 500ms, 2m)");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanos = switch (unit) {
            case "ms" -> v * 1e6;
            case "m" -> v * 60e9;
            case "h" -> v * 3600e9;
            default -> v * 1e9;
        };
        if (!(nanos < MAX_NANOS)) {
            throw new IllegalArgumentException("'" + text + "' is too long (at most 100 years)");
        }
        return Duration.ofNanos((long) nanos);
    }

    static String format(Duration d) {
        return String.format("%.1fs", d.toNanos() / 1e9);
    }
}
