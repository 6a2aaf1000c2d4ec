// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import picocli.CommandLine;

/**
 * Byte counts as GNU dd's {@code bs=} takes them (dd.c parse_integer over gnulib's xstrtoumax with
 * the suffixes {@code bcEGkKMPQRTwYZ0}), so a benchmark's {@code --block-size} can be copied from
 * the dd command it is compared with: decimal digits (or none, meaning 1, before a suffix), then an
 * optional suffix — {@code c} 1, {@code w} 2, {@code b} 512, {@code k}/{@code K} 1024 and
 * {@code M G T P E Z Y R Q} its powers; a power letter followed by {@code B} counts in powers of
 * 1000 ({@code kB MB GB}), followed by {@code iB} in powers of 1024 ({@code KiB MiB}) — then an
 * optional {@code B} ("bytes, not blocks"), and {@code xN} for one product ({@code 2x512},
 * {@code 1xM}). Unlike dd, overflow is an error here, not a saturated value, and leading blanks
 * are not skipped.
 */
public final class DdSizes {

    private static final String SUFFIXES = "bcEGkKMPQRTwYZ";

    private DdSizes() {
    }

    /**
     * The byte count.
     *
     * @throws IllegalArgumentException when dd would say "invalid number", or on overflow
     */
    public static long parse(String text) {
        if (text == null) {
            throw invalid(text);
        }
        try {
            long[] first = number(text, 0);
            int p = (int) first[1];
            // dd: a 'B' right after the number (not after another 'B') counts bytes, not blocks
            if (p < text.length() && text.charAt(p) == 'B' && p > 0 && text.charAt(p - 1) != 'B') {
                p++;
            }
            if (p < text.length() && text.charAt(p) == 'x' && p > 0
                    && !(text.charAt(p - 1) == 'B' && text.indexOf('B', p + 1) >= 0)) {
                long[] second = number(text, p + 1);
                if (second[1] != text.length()) {
                    throw invalid(text);
                }
                return Math.multiplyExact(first[0], second[0]);
            }
            if (p != text.length()) {
                throw invalid(text);
            }
            return first[0];
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too big (at most 8E - 1 bytes)", e);
        }
    }

    /**
     * xstrtoumax(s + start, &end, 10, &n, "bcEGkKMPQRTwYZ0"): digits (none means 1 before a suffix
     * letter), a suffix letter, then "iB" (powers of 1024), "B" or "D" (powers of 1000). Returns
     * {value, end}.
     */
    private static long[] number(String s, int start) {
        int p = start;
        while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        long n;
        if (p == start) {
            if (p >= s.length() || SUFFIXES.indexOf(s.charAt(p)) < 0) {
                throw invalid(s);
            }
            n = 1;
        } else {
            try {
                n = Long.parseLong(s.substring(start, p));
            } catch (NumberFormatException e) {
                throw new ArithmeticException("overflow");
            }
        }
        if (p < s.length() && SUFFIXES.indexOf(s.charAt(p)) >= 0) {
            char unit = s.charAt(p);
            int base = 1024;
            int consumed = 1;
            if (s.startsWith("iB", p + 1)) {
                consumed = 3;
            } else if (p + 1 < s.length() && (s.charAt(p + 1) == 'B' || s.charAt(p + 1) == 'D')) {
                base = 1000;
                consumed = 2;
            }
            n = Math.multiplyExact(n, scale(unit, base));
            p += consumed;
        }
        return new long[] {n, p};
    }

    private static long scale(char unit, int base) {
        return switch (unit) {
            case 'c' -> 1;
            case 'w' -> 2;
            case 'b' -> 512;
            case 'k', 'K' -> power(base, 1);
            case 'M' -> power(base, 2);
            case 'G' -> power(base, 3);
            case 'T' -> power(base, 4);
            case 'P' -> power(base, 5);
            case 'E' -> power(base, 6);
            case 'Z' -> power(base, 7);
            case 'Y' -> power(base, 8);
            case 'R' -> power(base, 9);
            default -> power(base, 10); // Q
        };
    }

    private static long power(int base, int exponent) {
        long v = 1;
        for (int i = 0; i < exponent; i++) {
            v = Math.multiplyExact(v, base);
        }
        return v;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid number '" + text + "' (dd's sizes: digits with an optional c, w, b, "
                + "kB, K, MB, M, GB, G, ... or KiB, MiB, ... suffix, or a product such as 2x512)");
    }

    /** The picocli converter of {@code bench --block-size}. */
    public static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Sizes.convert(DdSizes::parse, value);
        }
    }
}
