// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.MmStat;
import io.jzram.core.ZramDevice;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.hotplug.HotplugStorm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The device's data path, 4 KiB-aligned pages, one page per operation (ops/s × 4096 = bytes/s):
 * {@code write} ({@link ZramDevice#write}: same-filled check, the current CPU's stream,
 * compression, pool allocation and copy, slot publish with the old object freed, statistics) and
 * {@code read} (slot lock, decompression straight into the caller's direct buffer).
 *
 * <p>Each thread works on its own range of {@code count} pages of one shared device (all ranges
 * are written before the first iteration, by one writer per range at once, so reads find data laid
 * out as concurrent writers leave it, and writes overwrite), in order
 * ({@code pattern=seq}) or in a seeded random permutation ({@code pattern=rand}); the page written
 * to a slot is always the same source page ({@code count=all}: every page of a {@code file:}
 * source per thread, see {@link BenchPages}). Threads: {@code -t N} (run-all.sh uses 1, 2 and 4).
 * Each thread has a home virtual CPU and is pinned there at the start, as the kernel's writers
 * would run on different CPUs: {@code threadIndex % cpus} without a storm; with one,
 * {@code 1 + threadIndex % (cpus - 1)}, a CPU the storm takes down and brings back (cpu0 never
 * goes down: a thread at home there would never lose its stream, and the storm figure would
 * measure no stream loss for it; {@code -p homes=modulo} gives that old placement for comparison).
 *
 * <p>The emulator places tasks but has no load balancer: a thread whose CPU goes down moves to the
 * next active CPU round robin and stays there, so two threads can end up sharing one CPU's stream
 * (and its lock) for good, cpu0 above all, which never goes down. The kernel's scheduler would
 * spread them again. The benchmark plays that part: every 256 operations a thread that is not on
 * its home CPU goes back there if it is active (a ThreadLocal read and a compare otherwise).
 *
 * <p>{@code storm > 0}: during every iteration (warm-up and measurement) a {@link HotplugStorm}
 * toggles the device machine's CPUs 1..cpus-1 at that rate; a pinned thread whose CPU goes down
 * loses its affinity and migrates, and its stream is freed under it (zcomp_cpu_dead), exactly as
 * in the storm tests. {@code storm=0} vs {@code storm=100} in one run gives issue 5's figure; the
 * trial's end prints, per thread, how often it found itself away from home.
 */
public class DeviceBenchmark extends JmhDefaults {
    static final int PAGE = PageSource.PAGE;

    /** The device and the storm. */
    @State(Scope.Benchmark)
    public static class Device {
        @Param({"lz4"})
        public String algorithm;

        /** {@code seq} or {@code rand}. */
        @Param({"seq", "rand"})
        public String pattern;

        /** Hotplug storm rate in CPU toggles per second (0 = none). */
        @Param({"0", "100"})
        public int storm;

        /** Virtual CPUs of the device's machine. */
        @Param({"8"})
        public int cpus;

        /**
         * Where threads live under a storm: {@code toggled} (each on a CPU the storm takes down,
         * see {@link DeviceBenchmark#home}) or {@code modulo} (thread i on cpu i, thread 0 on cpu0,
         * which the storm never takes down: the placement before 2026-12, for comparison).
         */
        @Param({"toggled"})
        public String homes;

        BenchDevice bench;
        HotplugStorm running;
        long toggles;
        long stormNanos;

        @Setup(Level.Trial)
        public void setup(BenchPages p, BenchmarkParams params) throws IOException {
            if (!pattern.equals("seq") && !pattern.equals("rand")) {
                throw new IllegalArgumentException("pattern must be seq or rand: " + pattern);
            }
            if (!homes.equals("toggled") && !homes.equals("modulo")) {
                throw new IllegalArgumentException("homes must be toggled or modulo: " + homes);
            }
            int threads = params.getThreads();
            bench = new BenchDevice((long) threads * p.pageCount * PAGE, algorithm, Math.max(2, cpus)).fillConcurrently(p.source, p.pageCount, threads);
            ByteBuffer back = ByteBuffer.allocateDirect(PAGE);
            for (int i = 0; i < p.pageCount; i += 97) {
                bench.read((long) (threads - 1) * p.pageCount + i, back);
                if (back.clear().compareTo(p.source.slice(i * PAGE, PAGE)) != 0) {
                    throw new IllegalStateException("page " + i + " did not read back as written");
                }
            }
            MmStat s = bench.device.mmStat();
            System.out.printf("%n[%s on %s, %d threads x %d pages; mm_stat %s]%n", algorithm, p.pages, threads, p.pageCount, s.sysfsLine().trim());
        }

        @Setup(Level.Iteration)
        public void startStorm() {
            if (storm > 0) {
                CpuHotplug hp = bench.hotplug;
                running = new HotplugStorm(hp, HotplugStorm.allHotpluggable(hp), storm, System.nanoTime());
                running.start(Duration.ofHours(1));
            }
        }

        @TearDown(Level.Iteration)
        public void stopStorm() {
            if (running != null) {
                HotplugStorm.Report r = running.stop();
                running = null;
                toggles += r.toggles();
                stormNanos += r.elapsed().toNanos();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (storm > 0) {
                System.out.printf("%n[storm: %d toggles in %.1f s = %.0f/s; stream-get retries %d; migrations %d]%n", toggles,
                        stormNanos / 1e9, toggles / (stormNanos / 1e9), bench.compressor().streamGetRetries(),
                        bench.hotplug.placement().migrations());
            }
            bench.close();
        }
    }

    /** One thread's range, order and buffers. */
    @State(Scope.Thread)
    public static class Worker {
        ByteBuffer[] views;
        ByteBuffer dst;
        int[] order;
        long base;
        int next;
        int home;
        int ops;
        long away;
        io.jzram.hotplug.TaskPlacement placement;
        CpuHotplug hotplug;

        @Setup(Level.Trial)
        public void setup(BenchPages p, Device d, ThreadParams tp) {
            int count = p.pageCount;
            base = (long) tp.getThreadIndex() * count;
            views = p.views();
            order = new int[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            if (d.pattern.equals("rand")) {
                SplittableRandom r = new SplittableRandom(1000 + tp.getThreadIndex());
                for (int i = count - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int x = order[i];
                    order[i] = order[j];
                    order[j] = x;
                }
            }
            dst = ByteBuffer.allocateDirect(PAGE);
            hotplug = d.bench.hotplug;
            placement = hotplug.placement();
            home = home(tp.getThreadIndex(), hotplug.nrCpus(), d.storm > 0 && d.homes.equals("toggled"));
            placement.pinCurrentThread(home);
        }

        @TearDown(Level.Trial)
        public void report(Device d) {
            if (d.storm > 0) {
                System.out.printf("%n[thread %s: home cpu%d, away from home at %d of %d balance checks]%n", Thread.currentThread().getName(), home,
                        away, ops >>> 8);
            }
        }

        int nextPage() {
            if ((++ops & 255) == 0) {
                balance();
            }
            int k = next;
            next = k + 1 == order.length ? 0 : k + 1;
            return order[k];
        }

        /** The scheduler's load balancer, reduced to "go home when you can" (see the class comment). */
        private void balance() {
            if (placement.currentCpu() != home) {
                away++;
            }
            if (placement.currentCpu() != home && hotplug.isActive(home)) {
                try {
                    placement.pinCurrentThread(home);
                } catch (io.jzram.kernel.ErrnoException e) {
                    // went down meanwhile: try again later
                }
            }
        }
    }

    /**
     * A thread's home CPU: {@code thread % cpus} without a storm; with one, a CPU the storm toggles
     * ({@code 1 + thread % (cpus - 1)}; a machine of one CPU has only cpu0).
     */
    static int home(int thread, int cpus, boolean storm) {
        if (!storm || cpus < 2) {
            return thread % cpus;
        }
        return 1 + thread % (cpus - 1);
    }

    @Benchmark
    public ByteBuffer write(Device d, Worker w) throws IOException {
        int i = w.nextPage();
        return d.bench.write(w.base + i, w.views[i]);
    }

    @Benchmark
    public ByteBuffer read(Device d, Worker w) throws IOException {
        return d.bench.read(w.base + w.nextPage(), w.dst);
    }
}
