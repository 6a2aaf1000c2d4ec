// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/**
 * The string helpers zram's stores use, with the kernel's exact semantics: {@code sysfs_streq}
 * (fs/sysfs/file.c), {@code skip_spaces} (lib/string.c, the kernel's {@code isspace} from
 * lib/ctype.c: space, \t \n \v \f \r and 0xA0) and {@code next_arg} (lib/cmdline.c: one
 * {@code param[=value]} with double quotes grouping spaces, the value's quotes stripped). They work
 * on the C string of a store (up to its first NUL). Pure functions.
 */
final class Cmdline {

    private Cmdline() {
    }

    /** One argument: {@code param}, {@code val} (null without '='; may be empty) and where the rest starts. */
    record Arg(String param, String val, int next) {
        /** {@code !val || !*val}. */
        boolean noValue() {
            return val == null || val.isEmpty();
        }
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == 0x0C || c == '\r' || c == 0xA0;
    }

    /** skip_spaces(s + from). */
    static int skipSpaces(String s, int from) {
        int i = from;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** sysfs_streq(s1, s2): equal, or equal but for one trailing newline on either side. */
    static boolean sysfsStreq(String s1, String s2) {
        int i = 0;
        while (i < s1.length() && i < s2.length() && s1.charAt(i) == s2.charAt(i)) {
            i++;
        }
        boolean end1 = i == s1.length();
        boolean end2 = i == s2.length();
        if (end1 && end2) {
            return true;
        }
        if (end1 && s2.charAt(i) == '\n' && i + 1 == s2.length()) {
            return true;
        }
        return end2 && s1.charAt(i) == '\n' && i + 1 == s1.length();
    }

    /** next_arg(args + from, &param, &val): one argument; {@link Arg#next} is after the spaces that follow it. */
    static Arg nextArg(String s, int from) {
        // Emulate the C code on a NUL-terminated copy, including its in-place NUL writes.
        char[] a = new char[s.length() - from + 1];
        s.getChars(from, s.length(), a, 0);
        a[a.length - 1] = 0;
        int args = 0;
        int equals = 0;
        boolean inQuote = false;
        boolean quoted = false;
        if (a[args] == '"') {
            args++;
            inQuote = true;
            quoted = true;
        }
        int i;
        for (i = 0; a[args + i] != 0; i++) {
            char c = a[args + i];
            if (isSpace(c) && !inQuote) {
                break;
            }
            if (equals == 0 && c == '=') {
                equals = i;
            }
            if (c == '"') {
                inQuote = !inQuote;
            }
        }
        int param = args;
        int val = -1;
        if (equals != 0) {
            a[args + equals] = 0;
            val = args + equals + 1;
            if (a[val] == '"') {
                val++;
                if (a[args + i - 1] == '"') {
                    a[args + i - 1] = 0;
                }
            }
        }
        if (quoted && i > 0 && a[args + i - 1] == '"') {
            a[args + i - 1] = 0;
        }
        int next;
        if (a[args + i] != 0) {
            a[args + i] = 0;
            next = args + i + 1;
        } else {
            next = args + i;
        }
        String p = cString(a, param);
        String v = val < 0 ? null : cString(a, val);
        return new Arg(p, v, skipSpaces(s, from + next));
    }

    private static String cString(char[] a, int at) {
        int e = at;
        while (a[e] != 0) {
            e++;
        }
        return new String(a, at, e - at);
    }
}
