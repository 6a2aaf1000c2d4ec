// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.lib;

/**
 * memparse() (lib/cmdline.c): a number in any C base ({@code simple_strtoull(s, &end, 0)}: no sign,
 * no white space, wraps on overflow) followed by an optional size suffix K/M/G/T/P/E in either case,
 * each a further shift by 10; whatever follows is left for the caller. No digits parse as 0 with
 * {@code end} = 0, which is how zram's disksize_store (0 = EINVAL) and mem_limit_store
 * (nothing parsed = EINVAL) tell bad input apart, except that the suffix is looked at even then,
 * as the kernel's switch on {@code *endptr} does: "p..." parses as 0 with {@code end} = 1 (the real
 * 6.18 zram0 takes "priority=0" as a mem_limit of 0).
 */
public final class Memparse {

    private Memparse() {
    }

    /** The value (an unsigned 64-bit quantity) and where parsing stopped in the input. */
    public record Result(long value, int end) {
        /** True when nothing at all was parsed (end == 0). */
        public boolean nothingParsed() {
            return end == 0;
        }
    }

    /** memparse(s, &retptr). */
    public static Result memparse(CharSequence input) {
        String s = Kstrtox.cString(input);
        int[] fix = Kstrtox.fixupRadix(s, 0, 0);
        Kstrtox.Parsed p = Kstrtox.parseInteger(s, fix[1], fix[0]);
        if (p.length() == 0) {
            return suffix(s, 0, 0); // simple_strtoull parsed nothing: endp stays at the start, the suffix is still read
        }
        return suffix(s, p.value(), fix[1] + p.length());
    }

    private static Result suffix(String s, long value, int end) {
        if (end < s.length()) {
            int shift;
            switch (s.charAt(end)) {
                case 'E': case 'e': shift = 60; break;
                case 'P': case 'p': shift = 50; break;
                case 'T': case 't': shift = 40; break;
                case 'G': case 'g': shift = 30; break;
                case 'M': case 'm': shift = 20; break;
                case 'K': case 'k': shift = 10; break;
                default: shift = 0; break;
            }
            if (shift > 0) {
                value <<= shift;
                end++;
            }
        }
        return new Result(value, end);
    }
}
