// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.MmStat;
import io.jzram.core.ZramDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
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
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.F1, BenchFlags.F2, BenchFlags.F3, BenchFlags.F4, BenchFlags.F5, BenchFlags.F6,
    BenchFlags.F7, BenchFlags.F8, BenchFlags.F9, "-Xms1g", "-Xmx1g"})
public class PageBenchmark {
    static final int PAGE = PageSource.PAGE;
    static final int MAX_THREADS = 4;

    /** The shared pages, the device, and the pages pre-compressed for the raw decompression baseline. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** {@code mix} or {@code file:PATH} (see {@link PageSource}). */
        @Param({"mix"})
        public String pages;

        /** Percent of random bytes in the generated mix's text and struct pages. */
        @Param({"4"})
        public int noisePercent;

        /** Pages per thread (the working set cycles through them). */
        @Param({"2048"})
        public int count;

        ByteBuffer source;
        ByteBuffer packed;
        int[] packedOffset;
        int[] packedLength;
        BenchDevice bench;
        ZramDevice device;

        @Setup(Level.Trial)
        public void setup(BenchmarkParams params) throws IOException {
            source = PageSource.load(pages, count, noisePercent, 42);
            LZ4Compressor c = LZ4Factory.fastestInstance().fastCompressor();
            packed = ByteBuffer.allocateDirect(count * (PAGE + 64));
            packedOffset = new int[count];
            packedLength = new int[count];
            int off = 0;
            long total = 0;
            for (int i = 0; i < count; i++) {
                int n = c.compress(source, i * PAGE, PAGE, packed, off, packed.capacity() - off);
                packedOffset[i] = off;
                packedLength[i] = n;
                off += n;
                total += Math.min(n, PAGE);
            }
            // every thread's range holds the pages, so reads find them
            bench = new BenchDevice((long) MAX_THREADS * count * PAGE, "lz4", Math.max(2, Runtime.getRuntime().availableProcessors()))
                    .fill(source, count, Math.min(MAX_THREADS, params.getThreads()));
            device = bench.device;
            MmStat s = device.mmStat();
            System.out.printf("%n[pages %s: %d pages, lz4 ratio %.3f; device %s]%n", pages, count, (double) total / ((long) count * PAGE),
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
        int count;
        int next;

        @Setup(Level.Trial)
        public void setup(Shared s, ThreadParams tp) {
            count = s.count;
            base = (long) (tp.getThreadIndex() % MAX_THREADS) * count;
            pageViews = new ByteBuffer[count];
            for (int i = 0; i < count; i++) {
                pageViews[i] = s.source.slice(i * PAGE, PAGE);
            }
            dst = ByteBuffer.allocateDirect(PAGE);
            out = ByteBuffer.allocateDirect(2 * PAGE);
            var fr = LZ4Factory.fastestInstance().fastResetCompressor(1);
            compressor = fr;
            compressorCloser = fr;
            decompressor = LZ4Factory.fastestInstance().safeDecompressor();
            // one task per virtual CPU, as the kernel's per-CPU streams expect
            s.bench.pin(tp.getThreadIndex());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            compressorCloser.close();
        }

        int nextPage() {
            int i = next;
            next = i + 1 == count ? 0 : i + 1;
            return i;
        }
    }

    // ---- raw lz4-java ------------------------------------------------------------------------

    @Benchmark
    public int lz4Compress(Shared s, PerThread t) {
        int i = t.nextPage();
        return t.compressor.compress(s.source, i * PAGE, PAGE, t.out, 0, 2 * PAGE);
    }

    @Benchmark
    public int lz4Decompress(Shared s, PerThread t) {
        int i = t.nextPage();
        int n = s.packedLength[i];
        if (n >= ZramDevice.hugeClassSize()) { // zram keeps these raw: a copy, as the device does
            t.dst.put(0, s.source, i * PAGE, PAGE);
            return PAGE;
        }
        return t.decompressor.decompress(s.packed, s.packedOffset[i], n, t.dst, 0, PAGE);
    }

    // ---- the device ----------------------------------------------------------------------------

    @Benchmark
    public ByteBuffer deviceWrite(Shared s, PerThread t) throws IOException {
        int i = t.nextPage();
        ByteBuffer b = t.pageViews[i].clear();
        s.device.write((t.base + i) * PAGE, b);
        return b;
    }

    @Benchmark
    public ByteBuffer deviceRead(Shared s, PerThread t) throws IOException {
        int i = t.nextPage();
        ByteBuffer b = t.dst.clear();
        s.device.read((t.base + i) * PAGE, b);
        return b;
    }

    // ---- the same with two threads ---------------------------------------------------------------

    @Benchmark
    @Threads(2)
    public int lz4Compress2T(Shared s, PerThread t) {
        return lz4Compress(s, t);
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
