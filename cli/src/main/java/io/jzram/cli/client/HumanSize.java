// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

/**
 * util-linux's {@code size_to_human_string(SIZE_SUFFIX_1LETTER, bytes)} (lib/strutils.c), which
 * zramctl prints sizes with: binary units B K M G T P E, one digit after the point rounded half up
 * ("4.5M", "1.1M", "117.7M"), no digit when it rounds to zero ("1G", "0B"), the point from the C
 * locale. Bytes are unsigned 64-bit, as uint64_t.
 */
public final class HumanSize {

    private static final String LETTERS = "BKMGTPE";

    private HumanSize() {
    }

    /** get_exp(): the exponent 2^exp of the largest unit (KiB..EiB) not above n; 0 below 1 KiB. */
    private static int exponent(long n) {
        int shift;
        for (shift = 10; shift <= 60; shift += 10) {
            if (Long.compareUnsigned(n, 1L << shift) < 0) {
                break;
            }
        }
        return shift - 10;
    }

    /** The size as zramctl prints it without {@code -b}. */
    public static String format(long bytes) {
        int exp = exponent(bytes);
        char suffix = LETTERS.charAt(exp == 0 ? 0 : exp / 10);
        long dec = exp == 0 ? bytes : bytes >>> exp;
        long frac = exp == 0 ? 0 : bytes & ((1L << exp) - 1);
        if (frac != 0) {
            // three digits after the point
            if (Long.compareUnsigned(frac, Long.divideUnsigned(-1L, 1000)) >= 0) {
                frac = ((frac / 1024) * 1000) >>> (exp - 10);
            } else {
                frac = (frac * 1000) >>> exp;
            }
            // round half up to one digit (kept as tens)
            frac = ((frac + 50) / 100) * 10;
            if (frac == 100) {
                dec++;
                frac = 0;
            }
        }
        if (frac != 0) {
            String s = String.format("%d.%02d", dec, frac);
            if (s.endsWith("0")) {
                s = s.substring(0, s.length() - 1);
            }
            return s + suffix;
        }
        return dec + String.valueOf(suffix);
    }
}
