// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static io.jzram.sysfs.zram.ZramTesting.Z0;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.sysfs.Machine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * oracle/zram-stores.tsv replayed ({@link OracleTable}): how the real 6.18 zram0 answered 1,200
 * single-write stores (8 attributes x 75 inputs x uninitialised/initialised with lz4 and 1G), each
 * row against the emulator: the same result (bytes written or errno) and afterwards the same
 * content in every readable file under /sys/block/zram0 (the kernel's zram files, the block
 * layer's, queue/, power/, trace/; all but diskseq and uevent, which count the machine's disks),
 * compared as the files that differ from a fresh device, whose every file is compared first.
 *
 * <p>With {@code --kconfig real} ({@link Machine.Builder#realKernel()}) nothing is substituted and
 * nothing differs. With the full configuration (writeback, multi-comp, access-time tracking and
 * every backend, which the real kernel lacks) the differences are the options': its extra files
 * (left out of the comparison), comp_algorithm listing every backend (compared through the
 * algorithm selected), zstd/lz4hc/deflate accepted by comp_algorithm, {@code idle} taking a number
 * of seconds, and {@code algorithm_params} taking priority 1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZramOracleReplayTest {

    private static String write(Machine m, String path, byte[] data) {
        try {
            return Integer.toString(m.write(path, data));
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    @FunctionalInterface
    interface Expectation {
        /** The result the emulator must give and the files it must show changed, from the kernel's. */
        Expected expected(OracleTable.Row row);
    }

    record Expected(String result, Map<String, String> after) {
    }

    /** Replays every row; returns the rows that differed, described. */
    private static List<String> replay(Machine.Builder builder, Expectation expectation,
            java.util.function.UnaryOperator<Map<String, String>> view) {
        OracleTable table = OracleTable.load();
        assertThat(table.rows()).hasSize(1200);
        List<String> diffs = new ArrayList<>();
        try (Machine m = builder.cpus(2).build()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            Map<String, String> base = OracleTable.snapshot(m, "/sys/block/zram0");
            Map<String, String> kernelBase = view.apply(table.baseline());
            Map<String, String> emulatorBase = view.apply(base);
            assertThat(emulatorBase).as("every readable file of a fresh zram0").isEqualTo(kernelBase);
            int matched = 0;
            for (OracleTable.Row row : table.rows()) {
                write(m, Z0 + "reset", "1".getBytes(StandardCharsets.US_ASCII));
                write(m, Z0 + "mem_limit", "0".getBytes(StandardCharsets.US_ASCII));
                if (row.state().equals("init")) {
                    write(m, Z0 + "comp_algorithm", "lz4".getBytes(StandardCharsets.US_ASCII));
                    write(m, Z0 + "disksize", "1G".getBytes(StandardCharsets.US_ASCII));
                }
                String result = write(m, Z0 + row.attr(), row.input());
                Map<String, String> after = view.apply(OracleTable.changes(base, OracleTable.snapshot(m, "/sys/block/zram0")));
                Expected want = expectation.expected(row);
                Map<String, String> wantAfter = view.apply(want.after());
                if (result.equals(want.result()) && after.equals(wantAfter)) {
                    matched++;
                } else {
                    diffs.add(String.format("line %d: %s %s '%s': kernel %s %s, emulator %s %s", row.line(), row.attr(),
                            row.state(), row.rawInput(), want.result(), wantAfter, result, after));
                }
            }
            write(m, Z0 + "reset", "1".getBytes(StandardCharsets.US_ASCII));
            m.rmmod("zram");
            assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().scan(marker).describe()).isTrue();
            System.out.printf("oracle replay: %d of %d rows as the kernel (or an option's documented difference), "
                    + "%d files compared after each%n", matched, table.rows().size(), base.size());
        }
        return diffs;
    }

    @Test
    void realKernelConfigurationAnswersEveryRowAsTheKernel() {
        List<String> diffs = replay(Machine.builder().realKernel(), row -> new Expected(row.result(), row.after()), v -> v);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }

    private static final Pattern SELECTED = Pattern.compile("\\[([^\\]]+)\\]");

    /** The full configuration's view: only the files the real kernel has, comp_algorithm as the algorithm selected. */
    private static Map<String, String> kernelFiles(Map<String, String> files) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : files.entrySet()) {
            String k = e.getKey();
            if (List.of("backing_dev", "bd_stat", "writeback_limit", "writeback_limit_enable", "recomp_algorithm").contains(k)) {
                continue;
            }
            String v = e.getValue();
            if (k.equals("comp_algorithm")) {
                Matcher mt = SELECTED.matcher(v);
                v = mt.find() ? "[" + mt.group(1) + "]" : v;
            }
            out.put(k, v);
        }
        return out;
    }

    @Test
    void fullConfigurationDiffersOnlyWhereTheOptionsSaySo() {
        List<String> diffs = replay(Machine.builder().zramKconfig(ZramKconfig.full()).builtinBlockDrivers(Machine.REAL_BUILTIN_BLOCK_DRIVERS), row -> {
            String in = new String(row.input(), StandardCharsets.ISO_8859_1);
            Expected base = new Expected(row.result(), row.after());
            if (row.attr().equals("comp_algorithm") && row.state().equals("uninit")
                    && List.of("zstd", "lz4hc", "deflate").contains(in)) {
                // every backend is built in: the name is taken
                Map<String, String> after = new TreeMap<>(row.after());
                after.put("comp_algorithm", "[" + in + "]");
                return new Expected(Integer.toString(in.length()), after);
            }
            if (row.attr().equals("comp_algorithm") && row.state().equals("init") && List.of("zstd", "lz4hc", "deflate").contains(in)) {
                return new Expected("EBUSY", row.after());
            }
            if (row.attr().equals("idle") && row.state().equals("init") && !Cmdline.sysfsStreq(in, "all")) {
                // CONFIG_ZRAM_TRACK_ENTRY_ACTIME: a number of seconds (kstrtouint base 0) is taken
                try {
                    Kstrtox.kstrtouint(in, 0);
                    return new Expected(Integer.toString(Math.min(row.input().length, 4096)), row.after());
                } catch (ErrnoException e) {
                    return base;
                }
            }
            if (row.attr().equals("algorithm_params") && in.equals("priority=1 level=3")) {
                // CONFIG_ZRAM_MULTI_COMP: priorities 1..3 exist
                return new Expected(Integer.toString(in.length()), row.after());
            }
            return base;
        }, ZramOracleReplayTest::kernelFiles);
        assertThat(diffs).as(String.join("\n", diffs)).isEmpty();
    }
}
