// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The status table of util-linux {@code zramctl} (sys-utils/zramctl.c, 2.38.1 as installed on the
 * project's machines) laid out as libsmartcols prints a table that does not go to a terminal
 * (libsmartcols/src/calculate.c and print.c):
 *
 * <ul>
 *   <li>Columns and headings: NAME, DISKSIZE, DATA, COMPR, ALGORITHM, STREAMS, ZERO-PAGES, TOTAL,
 *       MEM-LIMIT, MEM-USED, MIGRATED, MOUNTPOINT (the order of {@code --output-all}); the default
 *       set is NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT. COMP-RATIO (DATA/TOTAL,
 *       {@code %.4f}) of util-linux 2.40+ is accepted by {@code -o} but, as in 2.38.1, not part of
 *       {@code --output-all}.
 *   <li>Width of a column: the widest cell, at least the heading (also with {@code -n}); a column
 *       with an absolute width hint ({@code DISKSIZE DATA COMPR TOTAL MEM-* MIGRATED}: 5,
 *       {@code ALGORITHM STREAMS ZERO-PAGES}: 3) whose widest cell is at least as wide as the
 *       heading but narrower than the hint is widened to the hint (so "4.5M" under DATA takes 5).
 *   <li>Cells are separated by one space; the size columns and the counters are right-aligned;
 *       the last column is not padded unless right-aligned; empty cells are blank.
 *   <li>{@code --raw}: cells separated by one space, no padding, blanks, backslashes and
 *       non-printable bytes written as {@code \xHH}.
 *   <li>No heading line when there is no row.
 * </ul>
 * Terminal-width shrinking (libsmartcols truncates when a table is wider than the terminal) is not
 * reproduced: the table is always laid out as for a pipe.
 */
public final class ZramctlTable {

    /** zramctl's columns (infos[] of zramctl.c), with libsmartcols' width hint and alignment. */
    public enum Column {
        NAME("NAME", 0.25, false, "zram device name"),
        DISKSIZE("DISKSIZE", 5, true, "limit on the uncompressed amount of data"),
        DATA("DATA", 5, true, "uncompressed size of stored data"),
        COMPR("COMPR", 5, true, "compressed size of stored data"),
        ALGORITHM("ALGORITHM", 3, false, "the selected compression algorithm"),
        STREAMS("STREAMS", 3, true, "number of concurrent compress operations"),
        ZERO_PAGES("ZERO-PAGES", 3, true, "empty pages with no allocated memory"),
        TOTAL("TOTAL", 5, true, "all memory including allocator fragmentation and metadata overhead"),
        MEM_LIMIT("MEM-LIMIT", 5, true, "memory limit used to store compressed data"),
        MEM_USED("MEM-USED", 5, true, "memory zram have been consumed to store compressed data"),
        MIGRATED("MIGRATED", 5, true, "number of objects migrated by compaction"),
        MOUNTPOINT("MOUNTPOINT", 0.10, false, "where the device is mounted"),
        /** util-linux 2.40+: not in 2.38.1's list, so not in {@code --output-all}. */
        COMP_RATIO("COMP-RATIO", 5, true, "compression ratio: DATA/TOTAL");

        private final String heading;
        private final double widthHint;
        private final boolean right;
        private final String help;

        Column(String heading, double widthHint, boolean right, String help) {
            this.heading = heading;
            this.widthHint = widthHint;
            this.right = right;
            this.help = help;
        }

        public String heading() {
            return heading;
        }

        public String help() {
            return help;
        }

        public boolean rightAligned() {
            return right;
        }

        /** column_name_to_id(): case-insensitive, whole name. */
        public static Optional<Column> byName(String name) {
            for (Column c : values()) {
                if (c.heading.equalsIgnoreCase(name)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    /** zramctl's default columns. */
    public static final List<Column> DEFAULT_COLUMNS = List.of(Column.NAME, Column.ALGORITHM, Column.DISKSIZE,
            Column.DATA, Column.COMPR, Column.TOTAL, Column.STREAMS, Column.MOUNTPOINT);

    /** {@code --output-all} (2.38.1). */
    public static final List<Column> ALL_COLUMNS = List.of(Column.NAME, Column.DISKSIZE, Column.DATA, Column.COMPR,
            Column.ALGORITHM, Column.STREAMS, Column.ZERO_PAGES, Column.TOTAL, Column.MEM_LIMIT, Column.MEM_USED,
            Column.MIGRATED, Column.MOUNTPOINT);

    /**
     * What zramctl reads of one device: its /dev name, and the sysfs files as read (trailing newline
     * included or not); {@code maxCompStreams} and {@code mountpoint} are null where absent (the
     * 6.15+ kernel has no max_comp_streams; nothing mounts an emulated device).
     */
    public record Device(String devname, String disksize, String compAlgorithm, String mmStat, String maxCompStreams,
                         String mountpoint) {
        public Device(String devname, String disksize, String compAlgorithm, String mmStat) {
            this(devname, disksize, compAlgorithm, mmStat, null, null);
        }
    }

    /** The mm_stat fields zramctl knows (mm_stat_names[]), by index. */
    private static final int MM_ORIG_DATA_SIZE = 0;
    private static final int MM_COMPR_DATA_SIZE = 1;
    private static final int MM_MEM_USED_TOTAL = 2;
    private static final int MM_MEM_LIMIT = 3;
    private static final int MM_MEM_USED_MAX = 4;
    private static final int MM_ZERO_PAGES = 5;
    private static final int MM_NUM_MIGRATED = 6;

    private final List<Column> columns;
    private final boolean bytes;
    private final boolean raw;
    private final boolean noHeadings;
    private final List<String[]> rows = new ArrayList<>();

    public ZramctlTable(List<Column> columns, boolean bytes, boolean raw, boolean noHeadings) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("no columns");
        }
        this.columns = List.copyOf(columns);
        this.bytes = bytes;
        this.raw = raw;
        this.noHeadings = noHeadings;
    }

    /** ul_path_read_string(): the file's text without its trailing newline. */
    private static String chomp(String s) {
        if (s == null) {
            return null;
        }
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\n') {
            end--;
        }
        return s.substring(0, end);
    }

    /** ul_path_read_u64(): strtoull of the text; null when it does not parse. */
    private static Long u64(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        try {
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** strv_split(mm_stat, " "): the non-empty words; null when there are fewer than zramctl expects. */
    private static String[] mmStatWords(String mmStat) {
        if (mmStat == null) {
            return null;
        }
        String[] w = chomp(mmStat).trim().split(" +");
        return w.length < 7 || w[0].isEmpty() ? null : w;
    }

    private String mmStat(String[] words, int idx, boolean inBytes) {
        if (words == null) {
            return null;
        }
        if (inBytes) {
            return words[idx];
        }
        Long n = u64(words[idx]);
        if (n == null) {
            throw new IllegalArgumentException("Failed to parse mm_stat: '" + words[idx] + "'");
        }
        return HumanSize.format(n);
    }

    /** %.4f as glibc prints it, NaN as "-nan" (x86's 0.0/0.0) and infinity as "inf". */
    static String ratio(long data, long total) {
        double r = (double) data / (double) total;
        if (Double.isNaN(r)) {
            return "-nan";
        }
        if (Double.isInfinite(r)) {
            return "inf";
        }
        return String.format(Locale.ROOT, "%.4f", r);
    }

    /** fill_table_row(): one device's cells. */
    public ZramctlTable add(Device d) {
        String[] words = mmStatWords(d.mmStat());
        String[] cells = new String[columns.size()];
        for (int i = 0; i < cells.length; i++) {
            String s = null;
            switch (columns.get(i)) {
                case NAME:
                    s = d.devname();
                    break;
                case DISKSIZE:
                    if (bytes) {
                        s = chomp(d.disksize());
                    } else {
                        Long n = u64(d.disksize());
                        s = n == null ? null : HumanSize.format(n);
                    }
                    break;
                case ALGORITHM: {
                    String alg = d.compAlgorithm();
                    if (alg != null) {
                        int l = alg.lastIndexOf('[');
                        int r = alg.lastIndexOf(']');
                        if (l >= 0 && r >= 0 && r - l > 1) {
                            s = alg.substring(l + 1, r);
                        }
                    }
                    break;
                }
                case MOUNTPOINT:
                    s = d.mountpoint();
                    break;
                case STREAMS:
                    s = chomp(d.maxCompStreams());
                    break;
                case ZERO_PAGES:
                    s = mmStat(words, MM_ZERO_PAGES, true);
                    break;
                case DATA:
                    s = mmStat(words, MM_ORIG_DATA_SIZE, bytes);
                    break;
                case COMPR:
                    s = mmStat(words, MM_COMPR_DATA_SIZE, bytes);
                    break;
                case TOTAL:
                    s = mmStat(words, MM_MEM_USED_TOTAL, bytes);
                    break;
                case MEM_LIMIT:
                    s = mmStat(words, MM_MEM_LIMIT, bytes);
                    break;
                case MEM_USED:
                    s = mmStat(words, MM_MEM_USED_MAX, bytes);
                    break;
                case MIGRATED:
                    s = mmStat(words, MM_NUM_MIGRATED, bytes);
                    break;
                case COMP_RATIO:
                    if (words != null) {
                        Long data = u64(words[MM_ORIG_DATA_SIZE]);
                        Long total = u64(words[MM_MEM_USED_TOTAL]);
                        s = data == null || total == null ? null : ratio(data, total);
                    }
                    break;
                default:
                    break;
            }
            cells[i] = s;
        }
        rows.add(cells);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /** scols_print_table(): the whole output, every line ending in a newline; empty without rows. */
    public String render() {
        StringBuilder out = new StringBuilder();
        if (rows.isEmpty()) {
            return "";
        }
        int n = columns.size();
        String[] headings = new String[n];
        for (int i = 0; i < n; i++) {
            headings[i] = columns.get(i).heading();
        }
        if (raw) {
            if (!noHeadings) {
                rawLine(out, headings);
            }
            for (String[] r : rows) {
                rawLine(out, r);
            }
            return out.toString();
        }
        int[] width = new int[n];
        for (int i = 0; i < n; i++) {
            Column c = columns.get(i);
            int min = Math.max(1, c.heading().length());
            int w = 0;
            for (String[] r : rows) {
                w = Math.max(w, r[i] == null ? 0 : r[i].length());
            }
            if (w < min) {
                w = min;
            } else if (c.widthHint >= 1 && w < (int) c.widthHint && min < (int) c.widthHint) {
                w = (int) c.widthHint;
            }
            width[i] = w;
        }
        if (!noHeadings) {
            humanLine(out, headings, width);
        }
        for (String[] r : rows) {
            humanLine(out, r, width);
        }
        return out.toString();
    }

    private void humanLine(StringBuilder out, String[] cells, int[] widths) {
        int n = columns.size();
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            boolean right = columns.get(i).rightAligned();
            String data = cells[i] == null ? "" : cells[i];
            int len = data.length();
            int width = widths[i];
            if (last && len < width && !right) {
                width = len;
            }
            if (!data.isEmpty()) {
                if (right) {
                    pad(out, width - len);
                    len = Math.max(len, width);
                }
                out.append(data);
            }
            if (last) {
                break;
            }
            pad(out, width - len);
            out.append(' ');
        }
        out.append('\n');
    }

    private static void pad(StringBuilder out, int n) {
        for (int i = 0; i < n; i++) {
            out.append(' ');
        }
    }

    private static void rawLine(StringBuilder out, String[] cells) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            String s = cells[i];
            if (s == null) {
                continue;
            }
            for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                if (c == ' ' || c == '\t' || c == '\\' || c < 0x20 || c >= 0x7f) {
                    out.append(String.format("\\x%02x", c));
                } else {
                    out.append((char) c);
                }
            }
        }
        out.append('\n');
    }
}
