// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.bench.CorpusBench;
import io.jzram.cli.options.DdSizes;
import io.jzram.cli.options.Sizes;
import io.jzram.cli.options.UsageErrors;
import io.jzram.kernel.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jzram bench}: the corpus benchmark ({@link CorpusBench}): every page of a file (or of
 * generated pages) into a fresh device and back, against the raw codec on the same pages, in one
 * process.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes every page of FILE (or, without --input, of generated pages) into a fresh device (on one emulated "
            + "machine kept across the rounds, unless --fresh-machine), reads "
            + "them all back and verifies them; prints write and read MB/s (median of the rounds, MB = 10^6 bytes), the "
            + "raw codec's compress and decompress MB/s on the same pages in the same process, their ratios, and the "
            + "mm_stat line.",
            "Threads split the pages into contiguous ranges (like benchmarks/kernel-compare.sh's dd writers).",
            "Generated pages, of every 20 on average: 2 zero, 2 same-filled (one repeated 8-byte word), 12 text-like "
                + "(words and spaces, about 3:1 with lz4), 4 random (incompressible); the same --seed and --size give "
                + "the same bytes."},
        exitCodeList = {UsageErrors.OK, "1:a page did not read back as written, or FILE could not be read",
            UsageErrors.USAGE})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--input", paramLabel = "FILE", description = "a file of raw 4 KiB pages (a trailing partial page is "
            + "ignored) (default: generated pages)")
    Path input;

    @Option(names = "--size", paramLabel = "SIZE", converter = Sizes.Converter.class, description = "without --input: how "
            + "much to generate, in bytes with an optional K, M, G suffix (default: 64M)")
    long size = 64L << 20;

    @Option(names = "--seed", paramLabel = "S", description = "without --input: the seed of the generated pages "
            + "(default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--algorithm", paramLabel = "A", description = "lzo-rle, lzo, lz4, lz4hc, zstd or deflate (default: ${DEFAULT-VALUE})")
    String algorithm = "lz4";

    @Option(names = "--threads", paramLabel = "N", description = "writer/reader threads (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--repeat", paramLabel = "K", description = "timed rounds; figures are their median (default: "
            + "${DEFAULT-VALUE})")
    int repeat = 3;

    @Option(names = "--warmup", paramLabel = "K", description = "untimed rounds first, for the JIT (default: ${DEFAULT-VALUE})")
    int warmup = 1;

    @Option(names = "--block-size", paramLabel = "BYTES", converter = DdSizes.Converter.class,
            description = "bytes per request, as dd's bs= (4096, 4K, 1M, 1MiB, 2x512K, ...), a multiple of 4096 "
                    + "(default: 4096)")
    long blockSize = 4096;

    @Option(names = "--fresh-machine", description = "a new emulated machine for every round (default: one machine kept "
            + "across the rounds, whose free pages keep the pool memory a round's device freed for the next round's, as the "
            + "kernel keeps zram0's freed pages across resets; with this option every pool page is a first-touch page fault "
            + "inside the write timing)")
    boolean freshMachine;

    @Option(names = "--json", description = "print one JSON object on one line instead of the table (docs/json.md)")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        CorpusBench.Config cfg;
        try {
            if (input != null && spec.commandLine().getParseResult().hasMatchedOption("--size")) {
                throw new IllegalArgumentException("--size is for generated pages: it does not go with --input");
            }
            if (blockSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--block-size " + blockSize + " is too big");
            }
            cfg = new CorpusBench.Config(input, size, seed, algorithm, threads, repeat, warmup, (int) blockSize, freshMachine);
        } catch (IllegalArgumentException e) {
            throw UsageErrors.error(spec, e.getMessage());
        }
        CorpusBench.Result r;
        try {
            r = CorpusBench.run(cfg, line -> System.err.println("jzram bench: " + line));
        } catch (IOException e) {
            System.err.println("jzram bench: " + e.getMessage());
            return 1;
        } catch (ErrnoException e) {
            throw UsageErrors.error(spec, e.errno() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw UsageErrors.error(spec, e.getMessage());
        } catch (IllegalStateException e) {
            System.err.println("jzram bench: FAILED: " + e.getMessage());
            return 1;
        }
        if (json) {
            System.out.println(r.toJson());
            return 0;
        }
        CorpusBench.Config c = r.config();
        System.out.printf(Locale.ROOT, "jzram bench: %s, %d pages (%.1f MB), %s, %d thread%s, %d-byte requests, median of %d (+%d warm-up)%n",
                c.input() == null ? CorpusBench.GENERATED + " seed " + c.seed() : c.input(), r.pages(), r.bytes() / 1e6, c.algorithm(), c.threads(), c.threads() == 1 ? "" : "s", c.blockSize(), c.repeat(),
                c.warmup());
        long[] pool = r.poolBlockBytes();
        System.out.printf(Locale.ROOT, "  each round a fresh device on %s; the timed rounds' pools took %.0f MiB mapped already from the "
                + "machine's free pages, %.0f MiB new from the OS%n", c.freshMachine() ? "a machine of its own" : "one machine kept across the rounds",
                pool[0] / 1048576.0, pool[1] / 1048576.0);
        System.out.printf(Locale.ROOT, "  %-22s %10s %10s   %s%n", "", "MB/s", "MB/CPU-s", "rounds (MB/s)");
        row("write", r.writeMBps(), r.cpuMBps(0), r.writeRuns());
        row("read", r.readMBps(), r.cpuMBps(1), r.readRuns());
        row("codec compress", r.codecCompressMBps(), r.cpuMBps(2), r.compressRuns());
        row("codec decompress", r.codecDecompressMBps(), r.cpuMBps(3), r.decompressRuns());
        System.out.printf(Locale.ROOT, "  write / codec compress     %.3f  (per CPU-second %.3f)%n", r.writeMBps() / r.codecCompressMBps(),
                r.cpuMBps(0) / r.cpuMBps(2));
        System.out.printf(Locale.ROOT, "  read / codec decompress    %.3f  (per CPU-second %.3f)%n", r.readMBps() / r.codecDecompressMBps(),
                r.cpuMBps(1) / r.cpuMBps(3));
        System.out.printf(Locale.ROOT, "  codec stored ratio         %.4f%n", r.codecRatio());
        System.out.println("  mm_stat " + r.mmStat().sysfsLine().stripTrailing());
        System.out.printf("  verified: all %d pages read back as written%n", r.pages());
        return 0;
    }

    private static void row(String name, double median, double cpu, double[] runs) {
        StringBuilder b = new StringBuilder();
        for (double d : runs) {
            b.append(String.format(Locale.ROOT, " %9.1f", d));
        }
        System.out.printf(Locale.ROOT, "  %-22s %10.1f %10.1f  %s%n", name, median, cpu, b);
    }
}
