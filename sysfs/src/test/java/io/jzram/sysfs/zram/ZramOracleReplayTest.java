// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static io.jzram.sysfs.zram.ZramTesting.Z0;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.sysfs.Machine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * oracle/zram-stores.tsv replayed: how the real 6.18 zram0 answered 912 single-write stores
 * (8 attributes x 57 inputs x uninitialised/initialised), each row against the emulator: the same
 * result (bytes written or errno) and the same state after (disksize, initstate, mem_limit,
 * comp_algorithm). comp_algorithm listings are compared through the algorithm selected, the
 * kernel's default lzo-rle standing for the emulator's default (the first listed other than lz4,
 * which the "init" rows select: lzo-rle now).
 *
 * <p>Documented differences, with the full configuration only (writeback, multi-comp, access-time
 * tracking, which the real kernel lacks): {@code idle} takes a number of seconds when initialised,
 * and {@code algorithm_params} takes priorities 1..3.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZramOracleReplayTest {

    record Row(int line, String attr, String state, String rawInput, byte[] input, String result, String after) {
    }

    static List<Row> rows() throws IOException {
        List<Row> out = new ArrayList<>();
        try (InputStream in = ZramOracleReplayTest.class.getResourceAsStream("/oracle/zram-stores.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = r.readLine();
            assertThat(header).isEqualTo("attr\tstate\tinput\tresult\tafter");
            String line;
            int n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                String[] f = line.split("\t", -1);
                assertThat(f).as("line %d", n).hasSize(5);
                out.add(new Row(n, f[0], f[1], f[2], decode(f[2]), f[3], f[4]));
            }
        }
        return out;
    }

    private static final Pattern REPEAT = Pattern.compile("(.)\\*(\\d+)");
    private static final Pattern LONG = Pattern.compile("(.*)\\.\\.\\.\\((\\d+) bytes\\)");

    /** The recorder's esc() undone: \n, \\, \xNN; "c*N" is N times c; "PREFIX...(N bytes)" repeats PREFIX's last byte. */
    static byte[] decode(String esc) {
        Matcher rep = REPEAT.matcher(esc);
        if (rep.matches()) {
            byte[] b = new byte[Integer.parseInt(rep.group(2))];
            java.util.Arrays.fill(b, unescape(rep.group(1))[0]);
            return b;
        }
        Matcher lg = LONG.matcher(esc);
        if (lg.matches()) {
            byte[] prefix = unescape(lg.group(1));
            byte[] b = java.util.Arrays.copyOf(prefix, Integer.parseInt(lg.group(2)));
            java.util.Arrays.fill(b, prefix.length, b.length, prefix[prefix.length - 1]);
            return b;
        }
        return unescape(esc);
    }

    private static byte[] unescape(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
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

    private static String write(Machine m, String path, byte[] data) {
        try {
            return Integer.toString(m.write(path, data));
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    /** The recorder's snapshot() on the emulator, its algorithm listing reduced to the selection. */
    private static String snapshot(Machine m, String emulatorDefault) {
        String[] mm = m.cat(Z0 + "mm_stat").trim().split("\\s+");
        return "disksize=" + m.cat(Z0 + "disksize").strip() + " initstate=" + m.cat(Z0 + "initstate").strip()
                + " mem_limit=" + mm[3] + " comp=" + selected(m.cat(Z0 + "comp_algorithm"), emulatorDefault, null);
    }

    /** "[a] b c" → "a", with the default compressor written as "default". */
    static String selected(String listing, String dflt, String kernelDefault) {
        Matcher mt = Pattern.compile("\\[([^\\]]+)\\]").matcher(listing);
        if (!mt.find()) {
            return "none";
        }
        String s = mt.group(1);
        return s.equals(dflt) || s.equals(kernelDefault) ? "default" : s;
    }

    private static String kernelAfter(String after) {
        int i = after.indexOf(" comp=");
        String comp = after.substring(i + " comp=".length()).replace(',', ' ');
        return after.substring(0, i) + " comp=" + selected(comp, "lzo-rle", "lzo-rle");
    }

    private static String emulatorDefault(Machine m) {
        for (String n : m.zram().backends().names()) {
            if (!n.equals("lz4")) {
                return n;
            }
        }
        throw new IllegalStateException("only lz4 works here");
    }

    /** Replays every row; returns the rows that differed, described. */
    private static List<String> replay(ZramKconfig config, Expectation expectation) throws IOException {
        List<String> diffs = new ArrayList<>();
        String dflt;
        try (Machine probe = Machine.builder().cpus(2).build()) {
            dflt = emulatorDefault(probe);
        }
        try (Machine m = Machine.builder().cpus(2).zramKconfig(config.withDefaultCompressor(dflt)).build()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            int matched = 0;
            List<Row> rows = rows();
            for (Row row : rows) {
                write(m, Z0 + "reset", "1".getBytes(StandardCharsets.US_ASCII));
                if (row.state().equals("init")) {
                    write(m, Z0 + "comp_algorithm", "lz4".getBytes(StandardCharsets.US_ASCII));
                    write(m, Z0 + "disksize", "1G".getBytes(StandardCharsets.US_ASCII));
                }
                String result = write(m, Z0 + row.attr(), row.input());
                String after = snapshot(m, dflt);
                String[] expected = expectation.expected(row, kernelAfter(row.after()));
                if (result.equals(expected[0]) && after.equals(expected[1])) {
                    matched++;
                } else {
                    diffs.add(String.format("line %d: %s %s '%s': kernel %s [%s], emulator %s [%s]", row.line(), row.attr(),
                            row.state(), row.rawInput(), expected[0], expected[1], result, after));
                }
            }
            write(m, Z0 + "reset", "1".getBytes(StandardCharsets.US_ASCII));
            m.rmmod("zram");
            assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().scan(marker).describe()).isTrue();
            System.out.printf("oracle replay (%s): %d of %d rows as the kernel or a documented difference%n", config, matched,
                    rows.size());
            assertThat(rows).hasSize(912);
        }
        return diffs;
    }

    @FunctionalInterface
    interface Expectation {
        /** {result, after} the emulator must show for this row. */
        String[] expected(Row row, String kernelAfter);
    }

    /** What every configuration must answer: the kernel's result. */
    private static String[] asTheKernel(Row row, String kernelAfter) {
        return new String[] {row.result(), kernelAfter};
    }

    @Test
    void realKernelConfigurationAnswersEveryRowAsTheKernel() throws IOException {
        List<String> diffs = replay(ZramKconfig.realKernel(), ZramOracleReplayTest::asTheKernel);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    @Test
    void fullConfigurationDiffersOnlyWhereTheOptionsSaySo() throws IOException {
        List<String> diffs = replay(ZramKconfig.full(), (row, after) -> {
            String[] base = asTheKernel(row, after);
            String in = new String(row.input(), StandardCharsets.ISO_8859_1);
            if (row.attr().equals("idle") && row.state().equals("init") && !Cmdline.sysfsStreq(in, "all")) {
                // CONFIG_ZRAM_TRACK_ENTRY_ACTIME: a number of seconds (kstrtouint base 0) is taken
                try {
                    Kstrtox.kstrtouint(in, 0);
                    return new String[] {Integer.toString(Math.min(row.input().length, 4096)), after};
                } catch (ErrnoException e) {
                    return base;
                }
            }
            if (row.attr().equals("algorithm_params") && in.equals("priority=1 level=3")) {
                // CONFIG_ZRAM_MULTI_COMP: priorities 1..3 exist
                return new String[] {Integer.toString(in.length()), after};
            }
            return base;
        });
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }
}
