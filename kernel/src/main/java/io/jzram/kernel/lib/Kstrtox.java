// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.lib;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;

/**
 * The kernel's strict integer parsers (lib/kstrtox.c), with their exact rules:
 *
 * <ul>
 *   <li>The string ends at its first NUL (it is a C string); a single trailing {@code '\n'} is
 *       allowed, anything else after the digits is EINVAL. No leading white space.
 *   <li>Base 0 guesses: {@code 0x}/{@code 0X} followed by a hex digit is 16, a leading {@code 0}
 *       is 8, anything else 10. Base 16 also accepts a {@code 0x} prefix.
 *   <li>Unsigned parsers accept a leading {@code '+'}; signed ones also {@code '-'}.
 *   <li>Overflow while parsing is ERANGE, and is checked before trailing garbage; no digits at all
 *       is EINVAL; a value that does not fit the target type is ERANGE.
 * </ul>
 * Pure functions: no state.
 */
public final class Kstrtox {

    private Kstrtox() {
    }

    /** The string as C code sees it: up to its first NUL. */
    static String cString(CharSequence s) {
        String str = s.toString();
        int nul = str.indexOf('\0');
        return nul < 0 ? str : str.substring(0, nul);
    }

    private static ErrnoException einval(CharSequence s) {
        return new ErrnoException(Errno.EINVAL, "not a number: \"" + printable(s) + "\"");
    }

    private static ErrnoException erange(CharSequence s) {
        return new ErrnoException(Errno.ERANGE, "number out of range: \"" + printable(s) + "\"");
    }

    static String printable(CharSequence s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > 64) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** Result of {@link #parseInteger}: value, characters consumed, overflow flag. */
    record Parsed(long value, int length, boolean overflow) {
    }

    /** _parse_integer_fixup_radix: the base to use and how many prefix characters to skip. */
    static int[] fixupRadix(String s, int pos, int base) {
        int skip = 0;
        if (base == 0) {
            if (pos < s.length() && s.charAt(pos) == '0') {
                if (pos + 2 < s.length() + 0 && Character.toLowerCase(s.charAt(pos + 1)) == 'x' && isHex(s, pos + 2)) {
                    base = 16;
                } else {
                    base = 8;
                }
            } else {
                base = 10;
            }
        }
        if (base == 16 && pos + 1 < s.length() && s.charAt(pos) == '0' && Character.toLowerCase(s.charAt(pos + 1)) == 'x') {
            skip = 2;
        }
        return new int[] {base, skip};
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128;
    }

    /** _parse_integer: digits of the base from pos, unsigned 64-bit with wrap + overflow flag. */
    static Parsed parseInteger(String s, int pos, int base) {
        long res = 0;
        boolean overflow = false;
        int i = pos;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            int val;
            if (c >= '0' && c <= '9') {
                val = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                val = c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                val = c - 'A' + 10;
            } else {
                break;
            }
            if (val >= base) {
                break;
            }
            // res * base + val > 2^64-1 ?
            if (Long.compareUnsigned(res, Long.divideUnsigned(-1L - val, base)) > 0) {
                overflow = true;
            }
            res = res * base + val;
        }
        return new Parsed(res, i - pos, overflow);
    }

    /** kstrtoull(s, base): unsigned 64-bit (the result's bits are the unsigned value). */
    public static long kstrtoull(CharSequence input, int base) {
        String s = cString(input);
        int pos = 0;
        if (pos < s.length() && s.charAt(pos) == '+') {
            pos++;
        }
        return parseUnsignedTail(input, s, pos, base);
    }

    private static long parseUnsignedTail(CharSequence input, String s, int pos, int base) {
        int[] fix = fixupRadix(s, pos, base);
        pos += fix[1];
        Parsed p = parseInteger(s, pos, fix[0]);
        if (p.overflow()) {
            throw erange(input);
        }
        if (p.length() == 0) {
            throw einval(input);
        }
        pos += p.length();
        if (pos < s.length() && s.charAt(pos) == '\n') {
            pos++;
        }
        if (pos != s.length()) {
            throw einval(input);
        }
        return p.value();
    }

    /** kstrtoll(s, base): signed 64-bit. */
    public static long kstrtoll(CharSequence input, int base) {
        String s = cString(input);
        if (!s.isEmpty() && s.charAt(0) == '-') {
            long u = parseUnsignedTail(input, s, 1, base);
            if (Long.compareUnsigned(u, Long.MIN_VALUE) > 0) {
                throw erange(input);
            }
            return -u;
        }
        long u = kstrtoull(input, base);
        if (u < 0) {
            throw erange(input);
        }
        return u;
    }

    /** kstrtouint: unsigned 32-bit, returned in a long. */
    public static long kstrtouint(CharSequence s, int base) {
        long v = kstrtoull(s, base);
        if (Long.compareUnsigned(v, 0xFFFF_FFFFL) > 0) {
            throw erange(s);
        }
        return v;
    }

    /** kstrtoint: signed 32-bit. */
    public static int kstrtoint(CharSequence s, int base) {
        long v = kstrtoll(s, base);
        if (v != (int) v) {
            throw erange(s);
        }
        return (int) v;
    }

    /** kstrtou16. */
    public static int kstrtou16(CharSequence s, int base) {
        long v = kstrtoull(s, base);
        if (Long.compareUnsigned(v, 0xFFFF) > 0) {
            throw erange(s);
        }
        return (int) v;
    }

    /** kstrtou8. */
    public static int kstrtou8(CharSequence s, int base) {
        long v = kstrtoull(s, base);
        if (Long.compareUnsigned(v, 0xFF) > 0) {
            throw erange(s);
        }
        return (int) v;
    }

    /** kstrtoul (unsigned long is 64-bit on x86-64). */
    public static long kstrtoul(CharSequence s, int base) {
        return kstrtoull(s, base);
    }

    /** kstrtol (long is 64-bit on x86-64). */
    public static long kstrtol(CharSequence s, int base) {
        return kstrtoll(s, base);
    }

    /**
     * kstrtobool: {@code y Y 1 t T} true, {@code n N 0 f F} false, {@code on}/{@code off} (either
     * case); only the first one or two characters count. Empty or anything else: EINVAL.
     */
    public static boolean kstrtobool(CharSequence input) {
        String s = cString(input);
        if (s.isEmpty()) {
            throw einval(input);
        }
        switch (s.charAt(0)) {
            case 'y': case 'Y': case 't': case 'T': case '1':
                return true;
            case 'n': case 'N': case 'f': case 'F': case '0':
                return false;
            case 'o': case 'O':
                if (s.length() > 1) {
                    switch (s.charAt(1)) {
                        case 'n': case 'N':
                            return true;
                        case 'f': case 'F':
                            return false;
                        default:
                            break;
                    }
                }
                break;
            default:
                break;
        }
        throw einval(input);
    }
}
