// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Line-for-line comparison of what the real kernel and the emulator printed for one script: lines
 * are aligned (a line only one side printed does not shift the rest), and a pair of lines that
 * differ is accepted only through one of the {@link Rule listed differences}, each with its reason;
 * everything else is unexplained. What a line is comes from the label before it: "-- NAME", head's
 * "==> PATH <==", or the script's "mm_stat ALGORITHM ..." echo.
 */
final class LiveComparison {

    private LiveComparison() {
    }

    /** A difference the test accepts, and why. */
    record Rule(String name, String reason) {
    }

    static final Rule DISKSEQ = new Rule("diskseq", "a disk's diskseq (its file and DISKSEQ= in uevent) counts every disk the "
            + "machine added since boot; the real machine's loop devices take a new number at every attach, the emulated "
            + "machine starts at 1");
    static final Rule STAT_TIMES = new Rule("stat times", "the time fields of stat (ticks, io_ticks, time_in_queue) are "
            + "the milliseconds the requests took: the kernel's zram finishes a page in microseconds (0 jiffies), the JVM "
            + "sometimes needs a millisecond; every count is compared exactly");
    static final Rule LZ4_MM_STAT = new Rule("lz4 mm_stat", "lz4 is lz4-java here, not the kernel's lz4 (a page can compress "
            + "a few bytes differently and land in a neighbouring zsmalloc class, whose first object takes a whole zspage of up "
            + "to 8 pages): compr_data_size within 0.5 % + 64 bytes, mem_used_total and mem_used_max within 2 % + 8 pool "
            + "pages per class, huge pages within 0.5 % + 2, pages_compacted within 2 % + 8; orig_data_size, mem_limit and "
            + "same_pages exact. lzo and lzo-rle are kernel-exact and compared exactly");

    static final Rule UDEV_READS = new Rule("udev reads", "where udev runs, its blkid probe reads the device after each "
            + "change event: the kernel's stat then counts reads the script did not make (the emulator has no udev); "
            + "accepted only when the kernel's read counts are at least the emulator's and everything else is equal");

    static final List<Rule> RULES = List.of(DISKSEQ, STAT_TIMES, LZ4_MM_STAT, UDEV_READS);

    /** A line, the key it is aligned by (its text, or its text with the part a rule allows to differ masked) and that rule. */
    record Line(int number, String text, String key, Rule rule) {
    }

    /** The outcome: lines on each side, pairs equal, pairs accepted by each rule, and what is unexplained. */
    record Result(int kernelLines, int emulatorLines, int exact, Map<Rule, Integer> listed, List<String> unexplained) {

        int matched() {
            return exact + listed.values().stream().mapToInt(Integer::intValue).sum();
        }

        String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%d/%d lines match (%d exactly", matched(), kernelLines, exact));
            for (Map.Entry<Rule, Integer> e : listed.entrySet()) {
                sb.append(", ").append(e.getValue()).append(" through '").append(e.getKey().name()).append('\'');
            }
            sb.append("); the emulator printed ").append(emulatorLines).append(" lines; ").append(unexplained.size())
                    .append(" unexplained differences");
            return sb.toString();
        }
    }

    static List<Line> lines(List<String> text) {
        List<Line> out = new ArrayList<>(text.size());
        String label = "";
        for (int i = 0; i < text.size(); i++) {
            String t = text.get(i);
            if (t.startsWith("-- ") || (t.startsWith("==> ") && t.endsWith(" <==")) || t.startsWith("mm_stat ")
                    || t.startsWith("== ")) {
                label = t;
                out.add(new Line(i + 1, t, t, null));
                continue;
            }
            String[] f = t.trim().split("\\s+");
            if (t.startsWith("DISKSEQ=")) {
                out.add(new Line(i + 1, t, "DISKSEQ=*", DISKSEQ));
            } else if ((label.endsWith("/diskseq <==") || label.equals("-- diskseq")) && t.matches("\\d+")) {
                out.add(new Line(i + 1, t, "<diskseq>", DISKSEQ));
            } else if ((label.endsWith("/stat <==") || label.equals("-- stat")) && f.length == 17 && numeric(f)) {
                for (int k : new int[] {0, 1, 2, 3, 7, 9, 10, 14, 16}) {
                    f[k] = "T";
                }
                out.add(new Line(i + 1, t, "stat " + String.join(" ", f), STAT_TIMES));
            } else if (label.startsWith("mm_stat lz4 ") && f.length == 9 && numeric(f)) {
                out.add(new Line(i + 1, t, "mm_stat lz4 " + f[0] + " ~ " + f[3] + " ~ " + f[5], LZ4_MM_STAT));
            } else {
                out.add(new Line(i + 1, t, t, null));
            }
        }
        return out;
    }

    private static boolean numeric(String[] f) {
        for (String s : f) {
            if (!s.matches("-?\\d+")) {
                return false;
            }
        }
        return true;
    }

    /** Whether two lz4 mm_stat lines are within {@link #LZ4_MM_STAT}'s tolerance. */
    static boolean lz4Close(String kernel, String emulator) {
        String[] k = kernel.trim().split("\\s+");
        String[] e = emulator.trim().split("\\s+");
        return close(k[1], e[1], 0.005, 64) && close(k[2], e[2], 0.02, 8 * 4096 * 8) && close(k[4], e[4], 0.02, 8 * 4096 * 8)
                && close(k[6], e[6], 0.02, 8) && close(k[7], e[7], 0.005, 2) && close(k[8], e[8], 0.005, 2);
    }

    /** STAT_TIMES when two stat lines differ in time fields only, UDEV_READS when also in reads the kernel has more of, else null. */
    static Rule statRule(String kernel, String emulator) {
        String[] k = kernel.trim().split("\\s+");
        String[] e = emulator.trim().split("\\s+");
        for (int i = 0; i < k.length; i++) {
            if (!List.of(3, 7, 9, 10, 14, 16).contains(i) && !k[i].equals(e[i])) {
                return udevReads(kernel, emulator) ? UDEV_READS : null;
            }
        }
        return STAT_TIMES;
    }

    /** Whether the stat lines differ only in time fields and in read counts the kernel has more of. */
    static boolean udevReads(String kernel, String emulator) {
        String[] k = kernel.trim().split("\\s+");
        String[] e = emulator.trim().split("\\s+");
        boolean more = false;
        for (int i = 0; i < k.length; i++) {
            if (List.of(3, 7, 9, 10, 14, 16).contains(i)) {
                continue;
            }
            if (i <= 2) {
                long a = Long.parseLong(k[i]);
                long b = Long.parseLong(e[i]);
                if (a < b) {
                    return false;
                }
                more |= a > b;
            } else if (!k[i].equals(e[i])) {
                return false;
            }
        }
        return more;
    }

    private static boolean close(String a, String b, double rel, long abs) {
        long x = Long.parseLong(a);
        long y = Long.parseLong(b);
        return Math.abs(x - y) <= abs + rel * Math.max(Math.abs(x), Math.abs(y));
    }

    static Result compare(List<String> kernelText, List<String> emulatorText) {
        List<Line> k = lines(kernelText);
        List<Line> e = lines(emulatorText);
        Map<Rule, Integer> listed = new LinkedHashMap<>();
        List<String> unexplained = new ArrayList<>();
        int exact = 0;
        int i = 0;
        int j = 0;
        while (i < k.size() || j < e.size()) {
            if (i < k.size() && j < e.size() && k.get(i).key().equals(e.get(j).key())) {
                Line a = k.get(i);
                Line b = e.get(j);
                if (a.text().equals(b.text())) {
                    exact++;
                } else if (a.rule() == STAT_TIMES) {
                    Rule r = statRule(a.text(), b.text());
                    if (r != null) {
                        listed.merge(r, 1, Integer::sum);
                    } else {
                        unexplained.add(describe(a, b));
                    }
                } else if (a.rule() != null && (a.rule() != LZ4_MM_STAT || lz4Close(a.text(), b.text()))) {
                    listed.merge(a.rule(), 1, Integer::sum);
                } else {
                    unexplained.add(describe(a, b));
                }
                i++;
                j++;
                continue;
            }
            int[] skip = resync(k, e, i, j);
            for (int x = 0; x < skip[0]; x++) {
                Line a = k.get(i + x);
                unexplained.add("kernel line " + a.number() + " only the kernel printed: " + a.text());
            }
            for (int x = 0; x < skip[1]; x++) {
                Line b = e.get(j + x);
                unexplained.add("emulator line " + b.number() + " only the emulator printed: " + b.text());
            }
            i += skip[0];
            j += skip[1];
        }
        return new Result(kernelText.size(), emulatorText.size(), exact, listed, unexplained);
    }

    /** How many lines to skip on each side until three keys in a row agree again (the smallest total first). */
    private static int[] resync(List<Line> k, List<Line> e, int i, int j) {
        for (int total = 1; total <= 40; total++) {
            for (int a = 0; a <= total; a++) {
                int b = total - a;
                if (agree(k, e, i + a, j + b, 3)) {
                    return new int[] {a, b};
                }
            }
        }
        if (i < k.size() && j < e.size()) {
            return new int[] {1, 1};
        }
        return new int[] {k.size() - i, e.size() - j};
    }

    private static boolean agree(List<Line> k, List<Line> e, int i, int j, int n) {
        if (i >= k.size() && j >= e.size()) {
            return true;
        }
        for (int x = 0; x < n; x++) {
            boolean ke = i + x >= k.size();
            boolean ee = j + x >= e.size();
            if (ke || ee) {
                return ke && ee;
            }
            if (!k.get(i + x).key().equals(e.get(j + x).key())) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Line a, Line b) {
        return "kernel line " + a.number() + " / emulator line " + b.number() + ":\n    kernel:   " + a.text() + "\n    emulator: "
                + b.text();
    }
}
