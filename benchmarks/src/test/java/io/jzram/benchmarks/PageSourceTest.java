// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.core.ZramDevice;
import io.jzram.core.backend.RawCodec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The page sources: each kind is what it says, mixes hold their shares, files are read and cycled; raw codecs round-trip. */
class PageSourceTest {
    static final int PAGE = 4096;

    static double lz4Ratio(ByteBuffer pages, int count) {
        ByteBuffer out = ByteBuffer.allocateDirect(2 * PAGE);
        long total = 0;
        try (RawCodec c = RawCodec.of("lz4")) {
            for (int i = 0; i < count; i++) {
                total += Math.min(PAGE, c.compress(pages, i * PAGE, out, 0, 2 * PAGE));
            }
        }
        return (double) total / ((long) count * PAGE);
    }

    static int sameFilled(ByteBuffer pages, int count) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            n += PageSource.sameFilled(pages, i * PAGE) ? 1 : 0;
        }
        return n;
    }

    @Test
    void eachKindIsWhatItSays() throws Exception {
        int n = 200;
        ByteBuffer zero = PageSource.load("zero", n, 4, 1);
        for (int i = 0; i < n * PAGE; i += 8) {
            assertThat(zero.getLong(i)).isZero();
        }
        assertThat(sameFilled(PageSource.load("same", n, 4, 1), n)).isEqualTo(n);
        ByteBuffer random = PageSource.load("random", n, 4, 1);
        assertThat(sameFilled(random, n)).isZero();
        assertThat(lz4Ratio(random, n)).isEqualTo(1.0); // every page stays huge
        double text = lz4Ratio(PageSource.load("text", n, 4, 1), n);
        double records = lz4Ratio(PageSource.load("records", n, 4, 1), n);
        assertThat(text).isBetween(0.2, 0.8);
        assertThat(records).isBetween(0.1, 0.8);
        assertThat(lz4Ratio(PageSource.load("text", n, 0, 1), n)).as("noise makes pages less compressible").isLessThan(text);
    }

    @Test
    void controlledMixHoldsItsShares() throws Exception {
        int n = 4000;
        ByteBuffer pages = PageSource.load("mix:zero=10,same=10,text=40,records=20,random=20", n, 4, 7);
        int same = sameFilled(pages, n);
        assertThat(same).isBetween(n * 16 / 100, n * 24 / 100); // zero and same pages: 20 %
        int huge = 0;
        ByteBuffer out = ByteBuffer.allocateDirect(2 * PAGE);
        try (RawCodec c = RawCodec.of("lz4")) {
            for (int i = 0; i < n; i++) {
                huge += c.compress(pages, i * PAGE, out, 0, 2 * PAGE) >= ZramDevice.hugeClassSize() ? 1 : 0;
            }
        }
        assertThat(huge).isBetween(n * 16 / 100, n * 24 / 100); // random pages: 20 %
        assertThat(PageSource.load("mix:zero=10,same=10,text=40,records=20,random=20", n, 4, 7)).isEqualTo(pages); // seeded
    }

    @Test
    void badSpecsAreRefused() {
        assertThatThrownBy(() -> PageSource.load("mix:text=50,random=40", 10, 4, 1)).hasMessageContaining("add up to 90");
        assertThatThrownBy(() -> PageSource.load("mix:text=50,bogus=50", 10, 4, 1)).hasMessageContaining("unknown page kind");
        assertThatThrownBy(() -> PageSource.load("nonsense", 10, 4, 1)).hasMessageContaining("page source must be");
    }

    @Test
    void aFileIsReadAndCycled(@TempDir Path dir) throws Exception {
        ByteBuffer gen = PageSource.load("mix", 3, 4, 1);
        byte[] bytes = new byte[3 * PAGE + 17]; // a trailing partial page is ignored
        gen.get(0, bytes, 0, 3 * PAGE);
        Path f = dir.resolve("p.pages");
        Files.write(f, bytes);
        ByteBuffer read = PageSource.load("file:" + f, 7, 4, 1);
        for (int i = 0; i < 7; i++) {
            assertThat(read.slice(i * PAGE, PAGE)).isEqualTo(gen.slice((i % 3) * PAGE, PAGE));
        }
        Files.write(dir.resolve("tiny"), new byte[100]);
        assertThatThrownBy(() -> PageSource.load("file:" + dir.resolve("tiny"), 1, 4, 1)).hasMessageContaining("no whole page");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lz4", "lz4hc", "zstd", "deflate"})
    void rawCodecsRoundTrip(String algorithm) throws Exception {
        int n = 64;
        ByteBuffer pages = PageSource.load("mix", n, 4, 3);
        ByteBuffer packed = ByteBuffer.allocateDirect(2 * PAGE);
        ByteBuffer back = ByteBuffer.allocateDirect(PAGE);
        try (RawCodec c = RawCodec.of(algorithm)) {
            for (int i = 0; i < n; i++) {
                int len = c.compress(pages, i * PAGE, packed, 0, 2 * PAGE);
                assertThat(len).isPositive();
                assertThat(c.decompress(packed, 0, len, back, 0)).isEqualTo(PAGE);
                assertThat(back.clear()).isEqualTo(pages.slice(i * PAGE, PAGE));
            }
        }
    }

    @Test
    void countAllIsEveryPageOfAFileAnd2048Generated(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.pages");
        Files.write(f, new byte[5 * PAGE + 17]);
        assertThat(PageSource.resolveCount("file:" + f, "all")).isEqualTo(5);
        assertThat(PageSource.resolveCount("mix", "all")).isEqualTo(2048);
        assertThat(PageSource.resolveCount("file:" + f, "3")).isEqualTo(3);
        assertThatThrownBy(() -> PageSource.resolveCount("mix", "0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> PageSource.resolveCount("mix", "some")).hasMessageContaining("all or a number");
    }

    @Test
    void underAStormEveryThreadsHomeIsACpuTheStormToggles() {
        for (int t = 0; t < 7; t++) {
            assertThat(DeviceBenchmark.home(t, 8, true)).isBetween(1, 7).isEqualTo(t + 1);
            assertThat(DeviceBenchmark.home(t, 8, false)).isEqualTo(t);
        }
        assertThat(DeviceBenchmark.home(7, 8, true)).isEqualTo(1);
        assertThat(DeviceBenchmark.home(3, 1, true)).isZero();
    }
}
