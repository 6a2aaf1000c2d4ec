// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.ErrnoException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Set;

/**
 * dd (coreutils 9.1): {@code if= of= bs= ibs= obs= count= skip= seek= iflag= oflag= conv= status=}
 * between host files, the machine's /dev (/dev/zero, /dev/zramN, ...) and the shell's random devices.
 * Each input block is one read(2), each output block one write(2) (so {@code bs=4k} writes 4 KiB
 * requests to a disk, as {@code oflag=direct} does on the real kernel); {@code iflag=fullblock},
 * {@code count_bytes}, {@code skip_bytes}, {@code seek_bytes}; {@code conv=notrunc,fsync,fdatasync,
 * sync,noerror} ({@code noerror} only for its absence of effect on errors); the other flags
 * ({@code direct}, {@code dsync}, ...) are accepted and change nothing (the emulator has no page
 * cache). Messages and statistics as GNU dd's (the transfer line's time and rate are this run's).
 */
final class Dd {

    private Dd() {
    }

    private static final Set<String> FLAGS = Set.of("append", "direct", "directory", "dsync", "sync", "fullblock",
            "nonblock", "noatime", "nocache", "noctty", "nofollow", "count_bytes", "skip_bytes", "seek_bytes", "binary", "text",
            "cio");
    private static final Set<String> CONVS = Set.of("notrunc", "fsync", "fdatasync", "sync", "noerror", "excl", "nocreat",
            "sparse", "swab", "lcase", "ucase", "block", "unblock", "ascii", "ebcdic", "ibm");

    /** A size as GNU tools parse it: N, then c w b kB K k MB M xM GB G T P E (powers of 1000 with B), N x M products. */
    static long parseSize(String s) {
        if (s.contains("x") && !s.startsWith("0x")) {
            long p = 1;
            for (String part : s.split("x", -1)) {
                if (part.isEmpty()) {
                    throw new NumberFormatException(s);
                }
                p = Math.multiplyExact(p, parseSize(part));
            }
            return p;
        }
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new NumberFormatException(s);
        }
        long v = Long.parseLong(s.substring(0, i));
        String suf = s.substring(i);
        long mult = switch (suf) {
            case "" , "c" -> 1;
            case "w" -> 2;
            case "b" -> 512;
            case "kB", "KB" -> 1000;
            case "K", "k", "KiB" -> 1024;
            case "MB" -> 1000_000;
            case "M", "MiB" -> 1L << 20;
            case "GB" -> 1000_000_000;
            case "G", "GiB" -> 1L << 30;
            case "TB" -> 1000_000_000_000L;
            case "T", "TiB" -> 1L << 40;
            case "P", "PiB" -> 1L << 50;
            case "E", "EiB" -> 1L << 60;
            default -> throw new NumberFormatException(s);
        };
        return Math.multiplyExact(v, mult);
    }

    static int run(Commands.Ctx c) {
        String inPath = null;
        String outPath = null;
        long ibs = 512;
        long obs = 512;
        boolean bsGiven = false;
        long count = -1;
        long skip = 0;
        long seek = 0;
        Set<String> iflags = new java.util.HashSet<>();
        Set<String> oflags = new java.util.HashSet<>();
        Set<String> conv = new java.util.HashSet<>();
        String status = "default";
        for (String op : c.argv.subList(1, c.argv.size())) {
            int eq = op.indexOf('=');
            if (eq <= 0) {
                c.err("dd: unrecognized operand \u2018" + op + "\u2019");
                c.err("Try 'dd --help' for more information.");
                return 1;
            }
            String k = op.substring(0, eq);
            String v = op.substring(eq + 1);
            try {
                switch (k) {
                    case "if" -> inPath = v;
                    case "of" -> outPath = v;
                    case "bs" -> {
                        ibs = positive(v);
                        obs = ibs;
                        bsGiven = true;
                    }
                    case "ibs" -> ibs = positive(v);
                    case "obs" -> obs = positive(v);
                    case "count" -> count = parseSize(v);
                    case "skip", "iseek" -> skip = parseSize(v);
                    case "seek", "oseek" -> seek = parseSize(v);
                    case "iflag", "oflag", "conv" -> {
                        Set<String> valid = k.equals("conv") ? CONVS : FLAGS;
                        Set<String> into = k.equals("iflag") ? iflags : k.equals("oflag") ? oflags : conv;
                        for (String f : v.split(",")) {
                            if (!valid.contains(f)) {
                                c.err("dd: invalid " + (k.equals("iflag") ? "input flag" : k.equals("oflag") ? "output flag"
                                        : "conversion") + ": \u2018" + f + "\u2019");
                                c.err("Try 'dd --help' for more information.");
                                return 1;
                            }
                            into.add(f);
                        }
                    }
                    case "status" -> {
                        if (!Set.of("none", "noxfer", "progress").contains(v)) {
                            c.err("dd: invalid status level: \u2018" + v + "\u2019");
                            c.err("Try 'dd --help' for more information.");
                            return 1;
                        }
                        status = v;
                    }
                    default -> {
                        c.err("dd: unrecognized operand \u2018" + op + "\u2019");
                        c.err("Try 'dd --help' for more information.");
                        return 1;
                    }
                }
            } catch (NumberFormatException | ArithmeticException e) {
                c.err("dd: invalid number: \u2018" + v + "\u2019");
                return 1;
            }
        }
        if (bsGiven) {
            obs = ibs;
        }
        String inName = inPath == null ? "standard input" : inPath;
        String outName = outPath == null ? "standard output" : outPath;
        Io.In in;
        try {
            in = inPath == null ? c.in : c.sh.fs().openRead(inPath, c.in);
        } catch (ErrnoException e) {
            c.err("dd: failed to open '" + inName + "': " + e.errno().text());
            return 1;
        }
        Io.Out out;
        boolean trunc = !conv.contains("notrunc");
        try {
            if (outPath == null) {
                out = c.out;
            } else {
                out = c.sh.fs().openWrite(outPath, oflags.contains("append"), trunc && seek == 0, c.out, c.err);
            }
        } catch (ErrnoException e) {
            c.err("dd: failed to open '" + outName + "': " + e.errno().text());
            if (in != c.in) {
                in.close();
            }
            return 1;
        }
        long start = System.nanoTime();
        long fullIn = 0;
        long partIn = 0;
        long fullOut = 0;
        long partOut = 0;
        long bytesOut = 0;
        int rc = 0;
        ErrnoException[] error = new ErrnoException[1];
        try {
            long skipBytes = iflags.contains("skip_bytes") ? skip : skip * ibs;
            if (skipBytes > 0) {
                try {
                    in.seek(skipBytes);
                } catch (ErrnoException e) {
                    long left = skipBytes;
                    byte[] junk = new byte[(int) Math.min(ibs, 1 << 20)];
                    while (left > 0) {
                        int n = in.read(junk, 0, (int) Math.min(junk.length, left));
                        if (n < 0) {
                            break;
                        }
                        left -= n;
                    }
                }
            }
            long seekBytes = oflags.contains("seek_bytes") ? seek : seek * obs;
            if (outPath != null && seekBytes > 0) {
                if (trunc) {
                    Io.Fs.truncateHost(outPath, seekBytes);
                }
                out.seek(seekBytes);
            }
            boolean countBytes = iflags.contains("count_bytes");
            long bytesLeft = countBytes ? count : Long.MAX_VALUE;
            long blocksLeft = countBytes || count < 0 ? Long.MAX_VALUE : count;
            byte[] ibuf = new byte[(int) ibs];
            byte[] obuf = new byte[(int) obs];
            int opos = 0;
            boolean fullblock = iflags.contains("fullblock");
            outer:
            while (blocksLeft > 0 && bytesLeft > 0) {
                int want = (int) Math.min(ibs, bytesLeft);
                int got = 0;
                try {
                    do {
                        int n = in.read(ibuf, got, want - got);
                        if (n < 0) {
                            break;
                        }
                        got += n;
                    } while (fullblock && got < want);
                } catch (Io.BrokenPipe e) {
                    throw e;
                } catch (ErrnoException e) {
                    c.err("dd: error reading '" + inName + "': " + e.errno().text());
                    rc = 1;
                    break;
                }
                if (got == 0) {
                    break;
                }
                if (got == ibs) {
                    fullIn++;
                } else {
                    partIn++;
                    if (conv.contains("sync")) {
                        java.util.Arrays.fill(ibuf, got, (int) ibs, (byte) 0);
                        got = (int) ibs;
                    }
                }
                blocksLeft--;
                bytesLeft -= got;
                if (ibs == obs && opos == 0) {
                    long w = writeBlock(out, ibuf, got, error);
                    bytesOut += Math.max(0, w);
                    if (w == got && got == obs) {
                        fullOut++;
                    } else if (w > 0) {
                        partOut++;
                    }
                    if (w < got) {
                        c.err("dd: error writing '" + outName + "': " + error[0].errno().text());
                        rc = 1;
                        break;
                    }
                    continue;
                }
                for (int p = 0; p < got;) {
                    int take = Math.min(got - p, obuf.length - opos);
                    System.arraycopy(ibuf, p, obuf, opos, take);
                    opos += take;
                    p += take;
                    if (opos == obuf.length) {
                        long w = writeBlock(out, obuf, opos, error);
                        bytesOut += Math.max(0, w);
                        if (w < opos) {
                            if (w > 0) {
                                partOut++;
                            }
                            c.err("dd: error writing '" + outName + "': " + error[0].errno().text());
                            rc = 1;
                            break outer;
                        }
                        fullOut++;
                        opos = 0;
                    }
                }
            }
            if (rc == 0 && opos > 0) {
                long w = writeBlock(out, obuf, opos, error);
                bytesOut += Math.max(0, w);
                if (w > 0) {
                    partOut++;
                }
                if (w < opos) {
                    c.err("dd: error writing '" + outName + "': " + error[0].errno().text());
                    rc = 1;
                }
            }
            if (rc == 0 && (conv.contains("fsync") || conv.contains("fdatasync"))) {
                out.sync();
            }
        } catch (Io.BrokenPipe e) {
            throw e;
        } catch (ErrnoException e) {
            c.err("dd: " + e.errno().text());
            rc = 1;
        } finally {
            if (in != c.in) {
                in.close();
            }
            if (out != c.out) {
                try {
                    out.close();
                } catch (ErrnoException e) {
                    c.err("dd: closing output file '" + outName + "': " + e.errno().text());
                    rc = 1;
                }
            }
        }
        if (!status.equals("none")) {
            StringBuilder sb = new StringBuilder();
            sb.append(fullIn).append('+').append(partIn).append(" records in\n");
            sb.append(fullOut).append('+').append(partOut).append(" records out\n");
            if (!status.equals("noxfer")) {
                sb.append(transferLine(bytesOut, System.nanoTime() - start)).append('\n');
            }
            c.sh.errln(c.err, sb.substring(0, sb.length() - 1));
        }
        return rc;
    }

    /** write(2)s until the block is out; returns the bytes written (fewer after an error, kept in {@code error[0]}). */
    private static long writeBlock(Io.Out out, byte[] b, int len, ErrnoException[] error) {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = out.write(b, done, len - done);
            } catch (Io.BrokenPipe e) {
                throw e;
            } catch (ErrnoException e) {
                error[0] = e;
                return done;
            }
            if (n <= 0) {
                error[0] = new ErrnoException(io.jzram.kernel.Errno.ENOSPC, "no progress");
                return done;
            }
            done += n;
        }
        return done;
    }

    private static long positive(String v) {
        long n = parseSize(v);
        if (n <= 0 || n > (1 << 30)) {
            throw new NumberFormatException(v);
        }
        return n;
    }

    /** "8192 bytes (8.2 kB, 8.0 KiB) copied, 0.000123 s, 66.6 MB/s", as GNU dd prints it. */
    static String transferLine(long bytes, long nanos) {
        double secs = nanos / 1e9;
        String si = human(bytes, 1000, new String[] {"B", "kB", "MB", "GB", "TB", "PB", "EB"});
        String iec = human(bytes, 1024, new String[] {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"});
        String rate = secs > 0 ? human((long) (bytes / secs), 1000, new String[] {"B", "kB", "MB", "GB", "TB", "PB", "EB"})
                : "Infinity B";
        String time = gformat(secs) + " s";
        if (bytes < 1000) {
            return bytes + (bytes == 1 ? " byte" : " bytes") + " copied, " + time + ", " + rate + "/s";
        }
        if (bytes < 1024) {
            return bytes + " bytes (" + si + ") copied, " + time + ", " + rate + "/s";
        }
        return bytes + " bytes (" + si + ", " + iec + ") copied, " + time + ", " + rate + "/s";
    }

    private static String human(long v, int base, String[] units) {
        double x = v;
        int u = 0;
        while (x >= base && u < units.length - 1) {
            x /= base;
            u++;
        }
        if (u == 0) {
            return v + " " + units[0];
        }
        return (x < 10 ? String.format(Locale.ROOT, "%.1f", Math.ceil(x * 10) / 10) : String.format(Locale.ROOT, "%.0f", Math.ceil(x)))
                + " " + units[u];
    }

    /** C's %g with 6 significant digits. */
    static String gformat(double d) {
        if (d == 0) {
            return "0";
        }
        BigDecimal b = new BigDecimal(d).round(new MathContext(6));
        int exp = b.precision() - b.scale() - 1;
        if (exp < -4 || exp >= 6) {
            String mant = b.movePointLeft(exp).stripTrailingZeros().toPlainString();
            return mant + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
        }
        return b.stripTrailingZeros().toPlainString();
    }
}
