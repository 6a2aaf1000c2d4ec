// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * oracle/zram-stores.tsv, recorded on the real 6.18 zram0 by oracle/record-zram-stores.py: a
 * baseline (every readable file of a fresh zram0) and one row per store (attribute, state, input,
 * result, and the files whose content then differed from the baseline), plus the same snapshot
 * taken on an emulated machine, so a replay and a live test compare alike. Immutable.
 */
public record OracleTable(Map<String, String> baseline, List<Row> rows) {

    /** One store: its line in the file, attribute, state ("uninit" or "init"), input as written and decoded, result, after. */
    public record Row(int line, String attr, String state, String rawInput, byte[] input, String result, Map<String, String> after) {
    }

    /** The files the recorder leaves out: they carry the machine's count of disks added since boot. */
    public static final Set<String> SKIPPED = Set.of("diskseq", "uevent");

    /** The table from the test resources. */
    public static OracleTable load() {
        try (InputStream in = OracleTable.class.getResourceAsStream("/oracle/zram-stores.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = r.readLine();
            if (!"attr\tstate\tinput\tresult\tafter".equals(header)) {
                throw new IllegalStateException("unexpected header " + header);
            }
            String[] base = r.readLine().split("\t", -1);
            if (!base[0].equals("baseline")) {
                throw new IllegalStateException("no baseline line");
            }
            Map<String, String> baseline = parseFiles(base[4]);
            List<Row> rows = new ArrayList<>();
            String line;
            int n = 2;
            while ((line = r.readLine()) != null) {
                n++;
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    throw new IllegalStateException("line " + n + " has " + f.length + " fields");
                }
                rows.add(new Row(n, f[0], f[1], f[2], decode(f[2]), f[3], parseFiles(f[4])));
            }
            return new OracleTable(baseline, List.copyOf(rows));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "a=v; b=w" into a sorted map. */
    static Map<String, String> parseFiles(String s) {
        Map<String, String> m = new TreeMap<>();
        if (s.isEmpty()) {
            return m;
        }
        for (String part : s.split("; ", -1)) {
            int eq = part.indexOf('=');
            m.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return m;
    }

    /** The recorder's escv(): \n, \\, \xNN for control and non-ASCII bytes. */
    public static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            if (c == 0x0A) {
                sb.append("\\n");
            } else if (c == 0x5C) {
                sb.append("\\\\");
            } else if (c < 0x20 || c >= 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static final Pattern REPEAT = Pattern.compile("(.)\\*(\\d+)");
    private static final Pattern LONG = Pattern.compile("(.*)\\.\\.\\.\\((\\d+) bytes\\)");

    /** The recorder's esc() undone: \n, \\, \xNN; "c*N" is N times c; "PREFIX...(N bytes)" repeats PREFIX's last byte. */
    public static byte[] decode(String esc) {
        Matcher rep = REPEAT.matcher(esc);
        if (rep.matches()) {
            byte[] b = new byte[Integer.parseInt(rep.group(2))];
            Arrays.fill(b, unescape(rep.group(1))[0]);
            return b;
        }
        Matcher lg = LONG.matcher(esc);
        if (lg.matches()) {
            byte[] prefix = unescape(lg.group(1));
            byte[] b = Arrays.copyOf(prefix, Integer.parseInt(lg.group(2)));
            Arrays.fill(b, prefix.length, b.length, prefix[prefix.length - 1]);
            return b;
        }
        return unescape(esc);
    }

    private static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char d = s.charAt(++i);
                if (d == 'n') {
                    out.write('\n');
                } else if (d == '\\') {
                    out.write('\\');
                } else if (d == 'x') {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    throw new IllegalArgumentException("bad escape in " + s);
                }
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- the emulator's side

    /**
     * The recorder's snapshot on an emulated machine: every readable regular file under
     * {@code dir} (recursively, symlinks not followed, {@link #SKIPPED} left out), escaped, by
     * relative path; a read error as "ERR:ERRNO".
     */
    public static Map<String, String> snapshot(Machine m, String dir) {
        Map<String, String> out = new TreeMap<>();
        walk(m, dir, "", out);
        return out;
    }

    private static void walk(Machine m, String root, String rel, Map<String, String> out) {
        String here = rel.isEmpty() ? root : root + "/" + rel;
        for (String name : m.ls(here)) {
            String r = rel.isEmpty() ? name : rel + "/" + name;
            FileStat st = m.lstat(root + "/" + r);
            if (st.type() == FileStat.Type.DIRECTORY) {
                walk(m, root, r, out);
            } else if (st.type() == FileStat.Type.REGULAR && (st.mode() & 0444) != 0 && !SKIPPED.contains(r)) {
                String v;
                try {
                    v = escape(m.readFile(root + "/" + r));
                } catch (ErrnoException e) {
                    v = "ERR:" + e.errno().name();
                }
                out.put(r, v);
            }
        }
    }

    /** The files of {@code now} that differ from {@code base} (and those only one of them has), as the recorder writes them. */
    public static Map<String, String> changes(Map<String, String> base, Map<String, String> now) {
        Map<String, String> d = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (!e.getValue().equals(base.get(e.getKey()))) {
                d.put(e.getKey(), e.getValue());
            }
        }
        for (String k : base.keySet()) {
            if (!now.containsKey(k)) {
                d.put(k, "(missing)");
            }
        }
        return new TreeMap<>(d);
    }
}
