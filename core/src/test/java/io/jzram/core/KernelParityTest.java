// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same pages through the machine's kernel zram (dd oflag=direct, lz4) and through a jzram
 * device (lz4): orig_data_size and same_pages equal, compr_data_size and huge_pages within 1 %,
 * mem_used_total within 3 %. Skips, saying why, where the kernel's zram is not usable; always
 * leaves the kernel device reset (and removes the one it hot-added). With the shared corpus
 * present, also checks jzram against the kernel figures in corpus/README.md.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KernelParityTest {
    private static final int PAGE = 4096;
    static final String[] FIELDS = {"orig_data_size", "compr_data_size", "mem_used_total", "mem_limit", "mem_used_max",
        "same_pages", "pages_compacted", "huge_pages", "huge_pages_since"};

    @TempDir
    Path tmp;

    /** 24 MiB of generated pages: text, structs, random, half-random, zero and same-filled, in runs. */
    static byte[] generatedPages(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int pages = 6144;
        byte[] all = new byte[pages * PAGE];
        int p = 0;
        while (p < pages) {
            PageGen g = PageGen.pick(r);
            int run = 1 + r.nextInt(32);
            for (int i = 0; i < run && p < pages; i++, p++) {
                System.arraycopy(g.bytes(r, PAGE), 0, all, p * PAGE, PAGE);
            }
        }
        return all;
    }

    static long[] throughJzram(InputStream pages, long disksize) throws Exception {
        try (Machine mc = new Machine(2, false, null)) {
            ZramDevice d = mc.device("zram0", disksize, "lz4");
            byte[] buf = new byte[256 * PAGE];
            ByteBuffer bb = ByteBuffer.wrap(buf);
            long off = 0;
            int n;
            while ((n = pages.readNBytes(buf, 0, buf.length)) > 0) {
                int whole = n / PAGE * PAGE;
                for (int i = 0; i < whole; i += PAGE) { // one 4 KiB request at a time, as dd bs=4k
                    bb.clear().position(i).limit(i + PAGE);
                    d.write(off, bb);
                    off += PAGE;
                }
            }
            MmStat s = d.mmStat();
            return new long[] {s.origDataSize(), s.comprDataSize(), s.memUsedTotal(), s.memLimit(), s.memUsedMax(),
                s.samePages(), s.pagesCompacted(), s.hugePages(), s.hugePagesSince()};
        }
    }

    static long[] throughKernel(KernelZram k, Path file, String disksize) throws Exception {
        k.reset();
        k.write("comp_algorithm", "lz4");
        k.write("disksize", disksize);
        try {
            k.ddFrom(file);
            return k.mmStat();
        } finally {
            k.reset();
        }
    }

    static void compare(String what, long[] kernel, long[] jzram) {
        StringBuilder sb = new StringBuilder(what + ":\n");
        for (int i = 0; i < FIELDS.length; i++) {
            sb.append(String.format("  %-16s kernel %12d  jzram %12d  (%+.3f%%)%n", FIELDS[i], kernel[i], jzram[i],
                    kernel[i] == 0 ? 0.0 : 100.0 * (jzram[i] - kernel[i]) / kernel[i]));
        }
        System.out.print(sb);
        assertThat(jzram[0]).as("orig_data_size").isEqualTo(kernel[0]);
        assertThat(jzram[5]).as("same_pages").isEqualTo(kernel[5]);
        assertThat((double) jzram[1]).as("compr_data_size").isCloseTo(kernel[1], Percentage.withPercentage(1));
        assertThat((double) jzram[7]).as("huge_pages").isCloseTo(kernel[7], Percentage.withPercentage(1));
        assertThat((double) jzram[2]).as("mem_used_total").isCloseTo(kernel[2], Percentage.withPercentage(3));
    }

    @Test
    void generatedPagesMatchTheKernel() throws Exception {
        KernelZram k = KernelZram.open();
        assumeThat(k).as("kernel zram not usable: " + KernelZram.whyNot + "; skipping the kernel parity check").isNotNull();
        try (k) {
            byte[] pages = generatedPages(42);
            Path file = tmp.resolve("pages.bin");
            Files.write(file, pages);
            long[] kernel = throughKernel(k, file, "64M");
            long[] jzram = throughJzram(new java.io.ByteArrayInputStream(pages), 64L << 20);
            compare("generated pages (" + pages.length / PAGE + ", zram" + k.id + ")", kernel, jzram);
        }
    }

    @Test
    void corpusLandsOnTheKernelsFigures() throws Exception {
        Path corpus = CorpusLz4ParityTest.findCorpus();
        assumeThat(corpus).as("shared corpus not found; skipping the corpus parity check").isNotNull();
        assumeThat(xz()).as("xz is needed to unpack the corpus; skipping").isTrue();
        // corpus/README.md: Linux 6.18 zram, lz4, fresh 1 GiB device
        long[] readme = {134217728L, 73367045L, 75911168L, 0, 75911168L, 13, 0, 696, 696};
        Process p = new ProcessBuilder("xz", "-dc", corpus.toString()).start();
        long[] jzram;
        try (InputStream in = p.getInputStream()) {
            jzram = throughJzram(in, 1L << 30);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        compare("corpus vs corpus/README.md", readme, jzram);

        KernelZram k = KernelZram.open();
        if (k == null) {
            System.out.println("kernel zram not usable (" + KernelZram.whyNot + "): corpus checked against the README only");
            return;
        }
        try (k) {
            Path file = tmp.resolve("corpus.pages");
            Process x = new ProcessBuilder("xz", "-dc", corpus.toString()).redirectOutput(file.toFile()).start();
            assertThat(x.waitFor(60, TimeUnit.SECONDS)).isTrue();
            long[] kernel = throughKernel(k, file, "1G");
            compare("corpus vs this machine's kernel (zram" + k.id + ")", kernel, jzram);
        }
    }

    private static boolean xz() {
        try {
            Process p = new ProcessBuilder("xz", "--version").redirectErrorStream(true).start();
            try (OutputStream o = p.getOutputStream()) {
                o.flush();
            }
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
