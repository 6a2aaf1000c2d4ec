// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under every page operation: a 4 KiB memory copy between direct buffers (what the
 * device does for a huge page and what the pool does for every object), cycling through the same
 * working set as the other benchmarks so the caches see the same traffic; and zram's same-filled
 * check ({@link PageSource#sameFilled}) on a page that is not same-filled (early exit) and on one
 * that is (all 512 words read).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.F1, BenchFlags.F2, BenchFlags.F3, BenchFlags.F4, BenchFlags.F5, BenchFlags.F6,
    BenchFlags.F7, BenchFlags.F8, BenchFlags.F9, "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class CopyBenchmark {
    static final int PAGE = PageSource.PAGE;

    @Param({"2048"})
    public int count;

    ByteBuffer source;
    ByteBuffer dst;
    ByteBuffer same;
    int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        source = PageSource.load("text", count, 4, 42);
        dst = ByteBuffer.allocateDirect(PAGE);
        same = PageSource.load("same", 1, 0, 42);
    }

    int nextPage() {
        int i = next;
        next = i + 1 == count ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public ByteBuffer memcpy4k() {
        return dst.put(0, source, nextPage() * PAGE, PAGE);
    }

    @Benchmark
    public boolean sameFilledEarlyExit() {
        return PageSource.sameFilled(source, nextPage() * PAGE);
    }

    @Benchmark
    public boolean sameFilledFullScan() {
        return PageSource.sameFilled(same, 0);
    }
}
