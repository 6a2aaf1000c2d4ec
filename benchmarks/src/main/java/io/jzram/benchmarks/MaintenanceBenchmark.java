// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.MmStat;
import io.jzram.core.RecompressRequest;
import io.jzram.core.ZramDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device's maintenance operations, each timed once per invocation on a freshly prepared
 * device (single-shot; the preparation is not timed), reported per page:
 * <ul>
 *   <li>{@code compact}: {@code count} pages written, then a seeded random half of them discarded
 *       (the pool left fragmented), then {@link ZramDevice#compact()}; the score is the time per
 *       page left on the device.</li>
 *   <li>{@code recompress}: {@code count} pages written with the primary algorithm (lz4), then
 *       {@link ZramDevice#recompress} of every slot with the secondary ({@code secondary},
 *       zstd by default); the score is the time per page.</li>
 * </ul>
 * The mm_stat after the last invocation is printed (pages_compacted, the new compr_data_size).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@State(Scope.Thread)
public class MaintenanceBenchmark extends JmhDefaults {
    static final int PAGE = PageSource.PAGE;
    static final int COUNT = 8192;

    @Param({"mix"})
    public String pages;

    @Param({"zstd"})
    public String secondary;

    ByteBuffer source;
    BenchDevice bench;
    ZramDevice device;
    MmStat last;

    @Setup(Level.Trial)
    public void load() throws IOException {
        source = PageSource.load(pages, COUNT, 4, 42);
    }

    /** A fresh device per invocation, filled with the pages. */
    @Setup(Level.Invocation)
    public void fill() throws IOException {
        bench = new BenchDevice((long) COUNT * PAGE, "lz4", 2, secondary).fill(source, COUNT, 1);
        device = bench.device;
    }

    @TearDown(Level.Invocation)
    public void close() {
        last = device.mmStat();
        bench.close();
    }

    @TearDown(Level.Trial)
    public void report() {
        System.out.printf("%n[last mm_stat: %s]%n", last.sysfsLine().trim());
    }

    /** Discards a seeded random half of the pages (called from {@link FragmentedDevice}'s per-invocation setup, not timed). */
    private void fragment() throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < COUNT; i++) {
            if (r.nextBoolean()) {
                device.discard((long) i * PAGE, PAGE);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(COUNT / 2)
    public long compact(FragmentedDevice f) {
        return f.device.compact();
    }

    @Benchmark
    @OperationsPerInvocation(COUNT)
    public long recompress() {
        return device.recompress(RecompressRequest.all());
    }

    /** For {@code compact}: a device with half its pages discarded, prepared outside the timing. */
    @State(Scope.Thread)
    public static class FragmentedDevice {
        ZramDevice device;

        @Setup(Level.Invocation)
        public void prepare(MaintenanceBenchmark b) throws IOException {
            b.fragment();
            device = b.device;
        }
    }
}
