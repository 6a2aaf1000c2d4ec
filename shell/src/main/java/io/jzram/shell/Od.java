// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.ErrnoException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * od (coreutils 9.1): {@code -A d|o|x|n}, one output type {@code -t c|xN|oN|uN|dN} (N = 1, 2, 4;
 * {@code -c -b -x -o -d} as their {@code -t}), {@code -v}, {@code -j SKIP}, {@code -N COUNT};
 * 16 bytes a line, repeated lines shown once as "*", the final offset at the end.
 */
final class Od {

    private Od() {
    }

    static int run(Commands.Ctx c) {
        char radix = 'o';
        String type = "o2";
        boolean all = false;
        long skip = 0;
        long count = -1;
        List<String> files = new ArrayList<>();
        List<String> a = c.argv;
        for (int i = 1; i < a.size(); i++) {
            String s = a.get(i);
            try {
                if (s.startsWith("-A")) {
                    String v = s.length() > 2 ? s.substring(2) : a.get(++i);
                    if (v.length() != 1 || "doxn".indexOf(v.charAt(0)) < 0) {
                        c.err("od: invalid output address radix '" + v + "'; it must be one character from [doxn]");
                        return 1;
                    }
                    radix = v.charAt(0);
                } else if (s.startsWith("-t")) {
                    type = s.length() > 2 ? s.substring(2) : a.get(++i);
                } else if (s.equals("-c")) {
                    type = "c";
                } else if (s.equals("-b")) {
                    type = "o1";
                } else if (s.equals("-x")) {
                    type = "x2";
                } else if (s.equals("-o")) {
                    type = "o2";
                } else if (s.equals("-d")) {
                    type = "u2";
                } else if (s.equals("-v")) {
                    all = true;
                } else if (s.startsWith("-j")) {
                    skip = Dd.parseSize(s.length() > 2 ? s.substring(2) : a.get(++i));
                } else if (s.startsWith("-N")) {
                    count = Dd.parseSize(s.length() > 2 ? s.substring(2) : a.get(++i));
                } else if (s.startsWith("-") && s.length() > 1) {
                    c.err("od: invalid option -- '" + s.substring(1) + "'");
                    c.err("Try 'od --help' for more information.");
                    return 1;
                } else {
                    files.add(s);
                }
            } catch (IndexOutOfBoundsException | NumberFormatException e) {
                c.err("od: invalid argument '" + s + "'");
                return 1;
            }
        }
        if (type.equals("x") || type.equals("o") || type.equals("u") || type.equals("d")) {
            type = type + "4";
        }
        if (type.equals("a")) {
            type = "c";
        }
        int size = type.equals("c") ? 1 : type.length() == 2 ? type.charAt(1) - '0' : -1;
        if (size != 1 && size != 2 && size != 4 || (!type.equals("c") && "xoud".indexOf(type.charAt(0)) < 0)) {
            c.err("od: invalid type string '" + type + "'");
            return 1;
        }
        if (files.isEmpty()) {
            files.add("-");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int status = 0;
        for (String f : files) {
            try {
                data.writeBytes(Commands.readAll(c.sh.fs().openRead(f, c.in), c.in));
            } catch (ErrnoException e) {
                c.err("od: " + f + ": " + e.errno().text());
                status = 1;
            }
        }
        byte[] all0 = data.toByteArray();
        int from = (int) Math.min(skip, all0.length);
        int to = count < 0 ? all0.length : (int) Math.min(all0.length, from + count);
        byte[] b = Arrays.copyOfRange(all0, from, to);
        StringBuilder sb = new StringBuilder();
        byte[] prev = null;
        boolean starred = false;
        for (int off = 0; off < b.length; off += 16) {
            int n = Math.min(16, b.length - off);
            byte[] lineBytes = Arrays.copyOfRange(b, off, off + n);
            if (!all && n == 16 && prev != null && Arrays.equals(prev, lineBytes)) {
                if (!starred) {
                    sb.append("*\n");
                    starred = true;
                }
                continue;
            }
            starred = false;
            prev = lineBytes;
            sb.append(address(radix, skip + off));
            for (int k = 0; k < n; k += size) {
                long v = 0;
                for (int j = size - 1; j >= 0; j--) {
                    v = (v << 8) | (k + j < n ? lineBytes[k + j] & 0xFF : 0);
                }
                sb.append(field(type, size, v));
            }
            sb.append('\n');
        }
        if (radix != 'n') {
            sb.append(address(radix, skip + b.length)).append('\n');
        }
        c.out.writeAll(sb.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return status;
    }

    private static String address(char radix, long off) {
        return switch (radix) {
            case 'd' -> String.format(Locale.ROOT, "%07d", off);
            case 'x' -> String.format(Locale.ROOT, "%06x", off);
            case 'n' -> "";
            default -> String.format(Locale.ROOT, "%07o", off);
        };
    }

    private static String field(String type, int size, long v) {
        char t = type.charAt(0);
        if (t == 'c') {
            int ch = (int) v;
            String s = switch (ch) {
                case 0 -> "\\0";
                case 7 -> "\\a";
                case 8 -> "\\b";
                case 12 -> "\\f";
                case 10 -> "\\n";
                case 13 -> "\\r";
                case 9 -> "\\t";
                case 11 -> "\\v";
                default -> ch >= 0x20 && ch < 0x7F ? String.valueOf((char) ch) : String.format(Locale.ROOT, "%03o", ch);
            };
            return " ".repeat(4 - s.length()) + s;
        }
        int bits = size * 8;
        return switch (t) {
            case 'x' -> " " + String.format(Locale.ROOT, "%0" + (size * 2) + "x", v);
            case 'o' -> " " + String.format(Locale.ROOT, "%0" + (size == 1 ? 3 : size == 2 ? 6 : 11) + "o", v);
            case 'u' -> String.format(Locale.ROOT, "%" + (size == 1 ? 4 : size == 2 ? 6 : 11) + "d", v);
            default -> {
                long sv = (v << (64 - bits)) >> (64 - bits);
                yield String.format(Locale.ROOT, "%" + (size == 1 ? 5 : size == 2 ? 7 : 12) + "d", sv);
            }
        };
    }
}
