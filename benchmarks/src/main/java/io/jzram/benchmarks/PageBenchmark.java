// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.MmStat;
import io.jzram.core.ZramDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * 4 KiB pages through raw lz4-java and through a jzram device, on the same pages, in one run:
 * <ul>
 *   <li>{@code lz4Compress} / {@code lz4Decompress}: the codec alone, with what a zram stream
 *       uses (lz4-java's JNI fast-reset compressor at acceleration 1, the safe decompressor),
 *       direct buffers in and out;</li>
 *   <li>{@code deviceWrite} / {@code deviceRead}: {@link ZramDevice#write}/{@link ZramDevice#read}
 *       of one aligned page from/into a direct buffer: same-filled check, stream, compression,
 *       pool allocation and copy, slot publish, statistics; read: slot lock, decompression
 *       straight into the buffer. Each thread works on its own range of the device.</li>
 * </ul>
 * Every method runs with 1 thread and, suffixed {@code 2T}, with 2. One operation is one page
 * (ops/s × 4096 = bytes/s). Allocation per page: run with {@code -prof gc}.
 */
public class PageBenchmark extends JmhDefaults {
    static final int PAGE = PageSource.PAGE;
    static final int MAX_THREADS = 4;

    /** The device, and the pages pre-compressed for the raw decompression baseline. */
    @State(Scope.Benchmark)
    public static class Shared {
        PackedPages packed;
        BenchDevice bench;

        @Setup(Level.Trial)
        public void setup(BenchPages p, BenchmarkParams params) throws IOException {
            packed = new PackedPages(p.source, p.pageCount, "lz4");
            // every thread's range holds the pages, so reads find them
            bench = new BenchDevice((long) MAX_THREADS * p.pageCount * PAGE, "lz4", Math.max(2, Runtime.getRuntime().availableProcessors()))
                    .fill(p.source, p.pageCount, Math.min(MAX_THREADS, params.getThreads()));
            MmStat s = bench.device.mmStat();
            System.out.printf("%n[pages %s: %d pages, lz4 stored ratio %.3f; device %s]%n", p.pages, p.pageCount, packed.storedRatio(),
                    s.sysfsLine().trim());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    /** One thread's buffers, codec instances and position. */
    @State(Scope.Thread)
    public static class PerThread {
        ByteBuffer[] pageViews;
        ByteBuffer dst;
        ByteBuffer out;
        LZ4Compressor compressor;
        AutoCloseable compressorCloser;
        LZ4SafeDecompressor decompressor;
        long base;
        PageCursor cursor;

        @Setup(Level.Trial)
        public void setup(BenchPages p, Shared s, ThreadParams tp) {
            cursor = new PageCursor(p.pageCount, 0);
            base = (long) (tp.getThreadIndex() % MAX_THREADS) * p.pageCount;
            pageViews = p.views();
            dst = ByteBuffer.allocateDirect(PAGE);
            out = ByteBuffer.allocateDirect(2 * PAGE);
            var fr = LZ4Factory.fastestInstance().fastResetCompressor(1);
            compressor = fr;
            compressorCloser = fr;
            decompressor = LZ4Factory.fastestInstance().safeDecompressor();
            s.bench.pin(tp.getThreadIndex());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            compressorCloser.close();
        }
    }

    // ---- raw lz4-java ------------------------------------------------------------------------

    @Benchmark
    public int lz4Compress(BenchPages p, PerThread t) {
        return t.compressor.compress(p.source, t.cursor.next() * PAGE, PAGE, t.out, 0, 2 * PAGE);
    }

    @Benchmark
    public int lz4Decompress(Shared s, PerThread t) {
        int i = t.cursor.next();
        int raw = s.packed.copyIfRaw(i, t.dst); // zram keeps these raw: a copy, as the device does
        return raw != 0 ? raw : t.decompressor.decompress(s.packed.buffer, s.packed.offset(i), s.packed.length(i), t.dst, 0, PAGE);
    }

    // ---- the device ----------------------------------------------------------------------------

    @Benchmark
    public ByteBuffer deviceWrite(Shared s, PerThread t) throws IOException {
        int i = t.cursor.next();
        return s.bench.write(t.base + i, t.pageViews[i]);
    }

    @Benchmark
    public ByteBuffer deviceRead(Shared s, PerThread t) throws IOException {
        return s.bench.read(t.base + t.cursor.next(), t.dst);
    }

    // ---- the same with two threads ---------------------------------------------------------------

    @Benchmark
    @Threads(2)
    public int lz4Compress2T(BenchPages p, PerThread t) {
        return lz4Compress(p, t);
    }

    @Benchmark
    @Threads(2)
    public int lz4Decompress2T(Shared s, PerThread t) {
        return lz4Decompress(s, t);
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer deviceWrite2T(Shared s, PerThread t) throws IOException {
        return deviceWrite(s, t);
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer deviceRead2T(Shared s, PerThread t) throws IOException {
        return deviceRead(s, t);
    }
}
