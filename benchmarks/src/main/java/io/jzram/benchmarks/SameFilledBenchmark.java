// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.MmStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Same-filled pages through the device: {@code write} detects the page (all 512 words compared),
 * frees the slot's old content and stores the word in the slot (no compression, no pool memory);
 * {@code read} fills the page from the word. Compare with CopyBenchmark.sameFilledFullScan (the
 * check alone) and memcpy4k. Single thread, pages {@code same} (a different pattern per page) or
 * {@code zero}.
 */
@State(Scope.Thread)
public class SameFilledBenchmark extends JmhShortIterations {
    static final int PAGE = PageSource.PAGE;

    @Param({"same"})
    public String fill;

    @Param({"2048"})
    public int count;

    ByteBuffer[] views;
    ByteBuffer dst;
    BenchDevice bench;
    PageCursor cursor;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        ByteBuffer source = PageSource.load(fill, count, 0, 42);
        views = PageSource.views(source, count);
        dst = ByteBuffer.allocateDirect(PAGE);
        bench = new BenchDevice((long) count * PAGE, "lz4", 2).fill(source, count, 1);
        MmStat s = bench.device.mmStat();
        if (s.samePages() != count) {
            throw new IllegalStateException("expected " + count + " same-filled pages: " + s);
        }
        cursor = new PageCursor(count, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    @Benchmark
    public ByteBuffer write() throws IOException {
        int i = cursor.next();
        return bench.write(i, views[i]);
    }

    @Benchmark
    public ByteBuffer read() throws IOException {
        return bench.read(cursor.next(), dst);
    }
}
