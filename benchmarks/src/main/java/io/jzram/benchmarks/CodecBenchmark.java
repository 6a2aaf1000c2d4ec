// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.backend.RawCodec;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The baselines: raw lzo-rle / lzo / lz4 / lz4hc / zstd / deflate on 4 KiB pages through the
 * library calls the backends make ({@link RawCodec}; for lzo-rle and lzo, which are Java, the
 * backend's own context), direct buffers in and out. One operation is one page
 * (ops/s × 4096 = bytes/s). {@code decompress} copies the pages whose compressed length reaches
 * zram's huge class size (3,625 bytes with lz4) instead of decompressing them, because the device
 * stores those raw: it is the codec part of a device read. Run with {@code -t N} for N threads
 * (each its own codec and page cursor over the shared pages).
 */
public class CodecBenchmark extends JmhDefaults {
    static final int PAGE = PageSource.PAGE;

    /** The pages compressed once by the codec (for decompress). */
    @State(Scope.Benchmark)
    public static class Packed {
        @Param({"lzo-rle", "lzo", "lz4", "lz4hc", "zstd", "deflate"})
        public String algorithm;

        PackedPages packed;

        @Setup(Level.Trial)
        public void setup(BenchPages p) {
            packed = new PackedPages(p.source, p.pageCount, algorithm);
            System.out.printf("%n[%s on %s: %d pages, stored ratio %.3f]%n", algorithm, p.pages, p.pageCount, packed.storedRatio());
        }
    }

    /** One thread's codec, output buffers and cursor. */
    @State(Scope.Thread)
    public static class Worker {
        RawCodec codec;
        ByteBuffer out;
        ByteBuffer page;
        PageCursor cursor;

        @Setup(Level.Trial)
        public void setup(BenchPages p, Packed k) {
            codec = RawCodec.of(k.algorithm);
            out = ByteBuffer.allocateDirect(2 * PAGE);
            page = ByteBuffer.allocateDirect(PAGE);
            cursor = new PageCursor(p.pageCount, (int) (Thread.currentThread().getId() * 7919 % p.pageCount)); // threads start apart
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            codec.close();
        }
    }

    @Benchmark
    public int compress(BenchPages p, Worker w) {
        return w.codec.compress(p.source, w.cursor.next() * PAGE, w.out, 0, 2 * PAGE);
    }

    @Benchmark
    public int decompress(Packed k, Worker w) {
        int i = w.cursor.next();
        int raw = k.packed.copyIfRaw(i, w.page);
        return raw != 0 ? raw : w.codec.decompress(k.packed.buffer, k.packed.offset(i), k.packed.length(i), w.page, 0);
    }
}
