// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.bench.CorpusBench;
import io.jzram.kernel.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jzram bench}: the corpus benchmark ({@link CorpusBench}): every page of a file into a
 * fresh device and back, against the raw codec on the same pages, in one process.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Writes every page of FILE into a fresh device, reads them all back and verifies them; "
            + "prints write and read MB/s (median of the rounds, MB = 10^6 bytes), the raw codec's compress and "
            + "decompress MB/s on the same pages in the same process, their ratios, and the mm_stat line.",
            "Threads split the file into contiguous ranges (like benchmarks/kernel-compare.sh's dd writers)."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "a file of raw 4 KiB pages (a trailing partial page is ignored)")
    Path input;

    @Option(names = "--algorithm", description = "lzo-rle, lzo, lz4, lz4hc, zstd or deflate (default: ${DEFAULT-VALUE})", defaultValue = "lz4")
    String algorithm;

    @Option(names = "--threads", description = "writer/reader threads (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int threads;

    @Option(names = "--repeat", description = "timed rounds; figures are their median (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int repeat;

    @Option(names = "--warmup", description = "untimed rounds first, for the JIT (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int warmup;

    @Option(names = "--block-size", description = "bytes per request, a multiple of 4096, e.g. 4096 or 1048576 (dd's bs) "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "4096")
    int blockSize;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        CorpusBench.Config cfg;
        try {
            cfg = new CorpusBench.Config(input, algorithm, threads, repeat, warmup, blockSize);
        } catch (IllegalArgumentException e) {
            System.err.println("jzram bench: " + e.getMessage());
            return 2;
        }
        CorpusBench.Result r;
        try {
            r = CorpusBench.run(cfg, line -> System.err.println("jzram bench: " + line));
        } catch (IOException e) {
            System.err.println("jzram bench: " + e.getMessage());
            return 2;
        } catch (ErrnoException e) {
            System.err.println("jzram bench: " + e.errno() + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("jzram bench: " + e.getMessage());
            return 2;
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
                c.input(), r.pages(), r.bytes() / 1e6, c.algorithm(), c.threads(), c.threads() == 1 ? "" : "s", c.blockSize(), c.repeat(),
                c.warmup());
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
