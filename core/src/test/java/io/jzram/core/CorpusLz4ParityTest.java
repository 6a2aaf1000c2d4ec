// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.core.backend.ZcompParams;
import io.jzram.core.zsmalloc.ZsMapping;
import io.jzram.core.zsmalloc.ZsPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared page corpus (128 MiB of real anonymous memory) through lz4 and the pool, compared
 * with what the real 6.18 kernel's zram reported for it (corpus/README.md): 13 same-filled pages,
 * 696 huge pages, compr_data_size 73,367,045, mem_used_total 75,911,168. Skipped when the corpus
 * (or the {@code xz} tool to unpack it) is not there.
 */
@Timeout(300)
class CorpusLz4ParityTest {
    private static final String CORPUS = "shared/corpus/mixed-128m.pages.xz";
    private static final int PAGE = 4096;
    private static final long KERNEL_COMPR_DATA_SIZE = 73_367_045L;
    private static final long KERNEL_HUGE_PAGES = 696;
    private static final long KERNEL_MEM_USED_TOTAL = 75_911_168L;

    @Test
    void lz4OnTheCorpusLandsOnTheKernelsNumbers() throws Exception {
        Path corpus = findCorpus();
        assumeThat(corpus).as("corpus " + CORPUS + " not found above " + Path.of("").toAbsolutePath()
                + " (set -Djzram.corpus=PATH); skipping the kernel parity check").isNotNull();
        assumeThat(xzAvailable()).as("the xz tool is needed to unpack the corpus; skipping").isTrue();

        ZcompBackends backends = ZcompBackends.builtin();
        Process xz = new ProcessBuilder("xz", "-dc", corpus.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long pages = 0;
        long same = 0;
        long huge = 0;
        long huge3624 = 0;
        long exactly3624 = 0;
        long stored = 0;
        List<long[]> sample = new ArrayList<>();
        List<byte[]> sampleBytes = new ArrayList<>();
        try (ZcompConfig config = backends.get("lz4").setup(ZcompParams.defaults());
                ZcompContext ctx = config.createContext();
                ZsPool pool = new ZsPool("corpus");
                InputStream in = xz.getInputStream()) {
            int hugeClass = pool.hugeClassSize();
            assertThat(hugeClass).isEqualTo(3625);
            byte[] raw = new byte[PAGE];
            ByteBuffer page = ByteBuffer.allocateDirect(PAGE);
            ByteBuffer dst = ByteBuffer.allocateDirect(2 * PAGE);
            while (in.readNBytes(raw, 0, PAGE) == PAGE) {
                pages++;
                page.put(0, raw);
                if (sameFilled(page)) {
                    same++;
                    continue;
                }
                int len = ctx.compress(page, 0, dst, 0, 2 * PAGE);
                if (len == 3624) {
                    exactly3624++;
                }
                if (len >= 3624) {
                    huge3624++;
                }
                long h;
                if (len >= hugeClass) {
                    huge++;
                    stored += PAGE;
                    h = pool.malloc(PAGE);
                    pool.write(h, page, 0, PAGE);
                } else {
                    stored += len;
                    h = pool.malloc(len);
                    pool.write(h, dst, 0, len);
                }
                if (pages % 16 == 0) {
                    sample.add(new long[] {h, len});
                    sampleBytes.add(raw.clone());
                }
            }
            assertThat(xz.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(xz.exitValue()).as("xz exit status").isZero();

            long memUsed = pool.totalPages() * PAGE;
            System.out.printf("corpus lz4: pages=%d same=%d huge(>=%d)=%d huge(>=3624)=%d exactly3624=%d "
                    + "compr_data_size=%d (kernel %d, %+.3f%%) mem_used_total=%d (kernel %d, %+.3f%%)%n",
                    pages, same, hugeClass, huge, huge3624, exactly3624,
                    stored, KERNEL_COMPR_DATA_SIZE, 100.0 * (stored - KERNEL_COMPR_DATA_SIZE) / KERNEL_COMPR_DATA_SIZE,
                    memUsed, KERNEL_MEM_USED_TOTAL, 100.0 * (memUsed - KERNEL_MEM_USED_TOTAL) / KERNEL_MEM_USED_TOTAL);

            assertThat(pages).isEqualTo(32_768);
            assertThat(same).isEqualTo(13);
            assertThat((double) huge).isCloseTo(KERNEL_HUGE_PAGES, org.assertj.core.data.Percentage.withPercentage(1));
            assertThat((double) stored).isCloseTo(KERNEL_COMPR_DATA_SIZE, org.assertj.core.data.Percentage.withPercentage(1));
            assertThat((double) memUsed).isCloseTo(KERNEL_MEM_USED_TOTAL, org.assertj.core.data.Percentage.withPercentage(3));

            // every sampled page comes back, before and after compaction
            verifySample(pool, ctx, sample, sampleBytes);
            pool.compact();
            verifySample(pool, ctx, sample, sampleBytes);
        } finally {
            xz.destroy();
        }
    }

    private static void verifySample(ZsPool pool, ZcompContext ctx, List<long[]> sample, List<byte[]> bytes) {
        ZsMapping m = new ZsMapping();
        ByteBuffer back = ByteBuffer.allocate(PAGE);
        for (int i = 0; i < sample.size(); i++) {
            long h = sample.get(i)[0];
            int len = (int) sample.get(i)[1];
            pool.map(h, m);
            try {
                if (len >= pool.hugeClassSize()) {
                    back.put(0, m.buffer(), m.offset(), PAGE);
                } else {
                    ctx.decompress(m.buffer(), m.offset(), len, back, 0);
                }
            } finally {
                pool.unmap(m);
            }
            assertThat(back.array()).as("sampled page %d", i).isEqualTo(bytes.get(i));
        }
    }

    static boolean sameFilled(ByteBuffer page) {
        ByteBuffer p = page.duplicate().order(ByteOrder.nativeOrder());
        long first = p.getLong(0);
        for (int i = 8; i < PAGE; i += 8) {
            if (p.getLong(i) != first) {
                return false;
            }
        }
        return true;
    }

    static Path findCorpus() {
        String prop = System.getProperty("jzram.corpus");
        if (prop != null && Files.isReadable(Path.of(prop))) {
            return Path.of(prop);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(CORPUS);
            if (Files.isReadable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static boolean xzAvailable() {
        try {
            Process p = new ProcessBuilder("xz", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
