// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.ZramDevice;
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
 * Same-filled pages through the device: {@code write} detects the page (all 512 words compared),
 * frees the slot's old content and stores the word in the slot (no compression, no pool memory);
 * {@code read} fills the page from the word. Compare with CopyBenchmark.sameFilledFullScan (the
 * check alone) and memcpy4k. Single thread, pages {@code same} (a different pattern per page) or
 * {@code zero}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.F1, BenchFlags.F2, BenchFlags.F3, BenchFlags.F4, BenchFlags.F5, BenchFlags.F6,
    BenchFlags.F7, BenchFlags.F8, BenchFlags.F9, "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SameFilledBenchmark {
    static final int PAGE = PageSource.PAGE;

    @Param({"same"})
    public String fill;

    @Param({"2048"})
    public int count;

    ByteBuffer source;
    ByteBuffer[] views;
    ByteBuffer dst;
    ZramDevice device;
    int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        source = PageSource.load(fill, count, 0, 42);
        views = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            views[i] = source.slice(i * PAGE, PAGE);
        }
        dst = ByteBuffer.allocateDirect(PAGE);
        device = ZramDevice.builder().diskSize((long) count * PAGE).algorithm("lz4").cpus(2).build();
        for (int i = 0; i < count; i++) {
            device.write((long) i * PAGE, views[i].clear());
        }
        if (device.mmStat().samePages() != count) {
            throw new IllegalStateException("expected " + count + " same-filled pages: " + device.mmStat());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
    }

    int nextPage() {
        int i = next;
        next = i + 1 == count ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public ByteBuffer write() throws IOException {
        int i = nextPage();
        ByteBuffer b = views[i].clear();
        device.write((long) i * PAGE, b);
        return b;
    }

    @Benchmark
    public ByteBuffer read() throws IOException {
        int i = nextPage();
        ByteBuffer b = dst.clear();
        device.read((long) i * PAGE, b);
        return b;
    }
}
