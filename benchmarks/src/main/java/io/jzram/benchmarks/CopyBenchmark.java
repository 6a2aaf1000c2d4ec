// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The floor under every page operation: a 4 KiB memory copy between direct buffers (what the
 * device does for a huge page and what the pool does for every object), cycling through the same
 * working set as the other benchmarks so the caches see the same traffic; and zram's same-filled
 * check ({@link PageSource#sameFilled}) on a page that is not same-filled (early exit) and on one
 * that is (all 512 words read).
 */
@State(Scope.Thread)
public class CopyBenchmark extends JmhShortIterations {
    static final int PAGE = PageSource.PAGE;

    @Param({"2048"})
    public int count;

    ByteBuffer source;
    ByteBuffer dst;
    ByteBuffer same;
    PageCursor cursor;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        source = PageSource.load("text", count, 4, 42);
        dst = ByteBuffer.allocateDirect(PAGE);
        same = PageSource.load("same", 1, 0, 42);
        cursor = new PageCursor(count, 0);
    }

    @Benchmark
    public ByteBuffer memcpy4k() {
        return dst.put(0, source, cursor.next() * PAGE, PAGE);
    }

    @Benchmark
    public boolean sameFilledEarlyExit() {
        return PageSource.sameFilled(source, cursor.next() * PAGE);
    }

    @Benchmark
    public boolean sameFilledFullScan() {
        return PageSource.sameFilled(same, 0);
    }
}
