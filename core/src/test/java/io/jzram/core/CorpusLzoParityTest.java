// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.jzram.core.backend.LzoBackend;
import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.core.backend.ZcompParams;
import io.jzram.core.zsmalloc.ZsPool;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shared page corpus (32,768 pages of real anonymous memory) through lzo-rle and lzo, stored
 * as zram stores them (same-filled pages not compressed, pages whose compressed length reaches
 * zsmalloc's huge class size stored whole), must give exactly the kernel's totals.
 *
 * <p>The kernel's figures (Linux 6.18 zram, a fresh 1 GiB device from hot_add,
 * {@code xz -dc mixed-128m.pages.xz > /tmp/corpus.pages; echo ALG > comp_algorithm;
 * echo 1G > disksize; dd if=/tmp/corpus.pages of=/dev/zramN bs=4k oflag=direct; cat mm_stat}):
 * <pre>
 *   lzo-rle  134217728 64611225 67067904 0 67067904 13 0 743 743   (corpus/README.md)
 *   lzo      134217728 63869799 66441216 0 66441216 13 0 766 766   (measured for this test, 2026-12-04)
 * </pre>
 * Skipped when the corpus (or the xz tool) is not there.
 */
@Timeout(300)
class CorpusLzoParityTest {
    private static final int PAGE = 4096;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"lzo-rle, 64611225, 743", "lzo, 63869799, 766"})
    void theCorpusCompressesToTheKernelsTotals(String algorithm, long kernelComprDataSize, long kernelHugePages) throws Exception {
        Path corpus = CorpusLz4ParityTest.findCorpus();
        assumeThat(corpus).as("shared corpus not found above " + Path.of("").toAbsolutePath()
                + " (set -Djzram.corpus=PATH); skipping the lzo corpus parity check").isNotNull();
        assumeThat(CorpusLz4ParityTest.xzAvailable()).as("the xz tool is needed to unpack the corpus; skipping").isTrue();

        ZcompBackend backend = algorithm.equals("lzo-rle") ? LzoBackend.lzoRle() : LzoBackend.lzo();
        int hugeClass;
        try (ZsPool pool = new ZsPool("huge-class")) {
            hugeClass = pool.hugeClassSize();
        }
        Process xz = new ProcessBuilder("xz", "-dc", corpus.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long pages = 0;
        long same = 0;
        long huge = 0;
        long stored = 0;
        try (ZcompConfig config = backend.setup(ZcompParams.defaults());
                ZcompContext ctx = config.createContext();
                InputStream in = xz.getInputStream()) {
            byte[] raw = new byte[PAGE];
            ByteBuffer page = ByteBuffer.allocateDirect(PAGE);
            ByteBuffer packed = ByteBuffer.allocateDirect(2 * PAGE);
            ByteBuffer back = ByteBuffer.allocate(PAGE);
            while (in.readNBytes(raw, 0, PAGE) == PAGE) {
                pages++;
                page.put(0, raw);
                if (CorpusLz4ParityTest.sameFilled(page)) {
                    same++;
                    continue;
                }
                int n = ctx.compress(page, 0, packed, 0, 2 * PAGE);
                ctx.decompress(packed, 0, n, back, 0);
                assertThat(back.array()).as("page %d round trip", pages - 1).isEqualTo(raw);
                if (n >= hugeClass) {
                    huge++;
                    stored += PAGE;
                } else {
                    stored += n;
                }
            }
            assertThat(xz.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(xz.exitValue()).as("xz exit status").isZero();
        } finally {
            xz.destroy();
        }
        System.out.printf("corpus %s: pages=%d same=%d huge(>=%d)=%d (kernel %d) compr_data_size=%d (kernel %d)%n",
                algorithm, pages, same, hugeClass, huge, kernelHugePages, stored, kernelComprDataSize);
        assertThat(pages).isEqualTo(32_768);
        assertThat(same).isEqualTo(13);
        assertThat(huge).as("huge_pages").isEqualTo(kernelHugePages);
        assertThat(stored).as("compr_data_size").isEqualTo(kernelComprDataSize);
    }
}
