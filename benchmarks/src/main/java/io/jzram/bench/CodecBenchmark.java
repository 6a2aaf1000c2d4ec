// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.bench;

import io.jzram.core.ZramDevice;
import io.jzram.core.backend.RawCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baselines: raw lzo-rle / lzo / lz4 / lz4hc / zstd / deflate on 4 KiB pages through the
 * library calls the backends make ({@link RawCodec}; for lzo-rle and lzo, which are Java, the
 * backend's own context), direct buffers in and out. One operation is one page
 * (ops/s × 4096 = bytes/s). {@code decompress} copies the pages whose compressed length reaches
 * zram's huge class size (3,625 bytes with lz4) instead of decompressing them, because the device
 * stores those raw: it is the codec part of a device read. Run with {@code -t N} for N threads
 * (each its own codec and page cursor over the shared pages).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.F1, BenchFlags.F2, BenchFlags.F3, BenchFlags.F4, BenchFlags.F5, BenchFlags.F6,
    BenchFlags.F7, BenchFlags.F8, BenchFlags.F9, "-Xms1g", "-Xmx1g"})
public class CodecBenchmark {
    static final int PAGE = PageSource.PAGE;

    /** The pages, and the same pages compressed once by the codec (for decompress). */
    @State(Scope.Benchmark)
    public static class Pages {
        /** See {@link PageSource}: mix, zero, same, text, records, random, mix:KIND=P,..., file:PATH. */
        @Param({"mix"})
        public String pages;

        @Param({"4"})
        public int noisePercent;

        /** Pages in the working set. */
        @Param({"2048"})
        public int count;

        @Param({"lzo-rle", "lzo", "lz4", "lz4hc", "zstd", "deflate"})
        public String algorithm;

        ByteBuffer source;
        ByteBuffer packed;
        int[] packedOffset;
        int[] packedLength;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            source = PageSource.load(pages, count, noisePercent, 42);
            packed = ByteBuffer.allocateDirect(count * (PAGE + 128));
            packedOffset = new int[count];
            packedLength = new int[count];
            long stored = 0;
            try (RawCodec c = RawCodec.of(algorithm)) {
                int off = 0;
                for (int i = 0; i < count; i++) {
                    int n = c.compress(source, i * PAGE, packed, off, 2 * PAGE);
                    packedOffset[i] = off;
                    packedLength[i] = n;
                    off += n;
                    stored += n >= ZramDevice.hugeClassSize() ? PAGE : n;
                }
            }
            System.out.printf("%n[%s on %s: %d pages, stored ratio %.3f]%n", algorithm, pages, count, (double) stored / ((long) count * PAGE));
        }
    }

    /** One thread's codec, output buffers and cursor. */
    @State(Scope.Thread)
    public static class Worker {
        RawCodec codec;
        ByteBuffer out;
        ByteBuffer page;
        int next;
        int count;

        @Setup(Level.Trial)
        public void setup(Pages p) {
            codec = RawCodec.of(p.algorithm);
            out = ByteBuffer.allocateDirect(2 * PAGE);
            page = ByteBuffer.allocateDirect(PAGE);
            count = p.count;
            next = (int) (Thread.currentThread().getId() * 7919 % count); // threads start apart
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            codec.close();
        }

        int nextPage() {
            int i = next;
            next = i + 1 == count ? 0 : i + 1;
            return i;
        }
    }

    @Benchmark
    public int compress(Pages p, Worker w) {
        int i = w.nextPage();
        return w.codec.compress(p.source, i * PAGE, w.out, 0, 2 * PAGE);
    }

    @Benchmark
    public int decompress(Pages p, Worker w) {
        int i = w.nextPage();
        int n = p.packedLength[i];
        if (n >= ZramDevice.hugeClassSize()) {
            w.page.put(0, p.source, i * PAGE, PAGE);
            return PAGE;
        }
        return w.codec.decompress(p.packed, p.packedOffset[i], n, w.page, 0);
    }
}
