// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A CPU hotplug storm: random online/offline toggles of chosen CPUs at a given rate, never taking
 * down the last online CPU, for a bounded time, on its own thread or the caller's. What it did is
 * in the {@link Report}: toggles by direction, and refused or failed transitions by errno. Seeded:
 * the same seed picks the same CPUs in the same order (timing still varies).
 */
public final class HotplugStorm {

    /** What a storm did. */
    public record Report(long ups, long downs, long skipped, Map<Errno, Long> failures, Duration elapsed) {
        public long toggles() {
            return ups + downs;
        }

        public long failed() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final CpuHotplug hotplug;
    private final int[] cpus;
    private final double rate;
    private final SplittableRandom random;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final LongAdder ups = new LongAdder();
    private final LongAdder downs = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final Map<Errno, LongAdder> failures = new EnumMap<>(Errno.class);
    private Thread thread;
    private long startNanos;
    private long endNanos;

    /**
     * @param cpus the CPUs to toggle (cpu0 is ignored: it cannot go down)
     * @param togglesPerSecond target rate; 0 or less means as fast as possible
     */
    public HotplugStorm(CpuHotplug hotplug, int[] cpus, double togglesPerSecond, long seed) {
        this.hotplug = hotplug;
        this.cpus = java.util.Arrays.stream(cpus).filter(hotplug::isHotpluggable).toArray();
        if (this.cpus.length == 0) {
            throw new IllegalArgumentException("no hotpluggable CPU among " + java.util.Arrays.toString(cpus));
        }
        this.rate = togglesPerSecond;
        this.random = new SplittableRandom(seed);
    }

    /** Every hotpluggable CPU of the machine. */
    public static int[] allHotpluggable(CpuHotplug hotplug) {
        return java.util.stream.IntStream.range(1, hotplug.nrCpus()).toArray();
    }

    /** Runs the storm on the calling thread for {@code duration} (or until {@link #stop()}). */
    public Report run(Duration duration) {
        startNanos = System.nanoTime();
        long deadline = startNanos + duration.toNanos();
        long period = rate > 0 ? (long) (1e9 / rate) : 0;
        long next = startNanos;
        while (!stop.get() && System.nanoTime() < deadline) {
            toggleOne();
            if (period > 0) {
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, deadline - System.nanoTime()));
                } else if (-wait > 1_000_000_000L) {
                    next = System.nanoTime(); // fell behind by a second: don't burst to catch up
                }
            }
        }
        endNanos = System.nanoTime();
        return report();
    }

    /** Starts the storm on a thread of its own ("cpuhp-storm"). */
    public synchronized void start(Duration duration) {
        if (thread != null) {
            throw new IllegalStateException("storm already started");
        }
        thread = new Thread(() -> run(duration), "cpuhp-storm");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops a started storm, waits for it, and reports. */
    public Report stop() {
        stop.set(true);
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return report();
    }

    private void toggleOne() {
        int cpu = cpus[random.nextInt(cpus.length)];
        try {
            if (hotplug.isOnline(cpu)) {
                if (hotplug.onlineCount() <= 1) {
                    skipped.increment();
                    return;
                }
                hotplug.cpuDown(cpu);
                downs.increment();
            } else {
                hotplug.cpuUp(cpu);
                ups.increment();
            }
        } catch (ErrnoException e) {
            synchronized (failures) {
                failures.computeIfAbsent(e.errno(), k -> new LongAdder()).increment();
            }
        }
    }

    /** What happened so far. */
    public Report report() {
        Map<Errno, Long> f = new EnumMap<>(Errno.class);
        synchronized (failures) {
            failures.forEach((k, v) -> f.put(k, v.sum()));
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new Report(ups.sum(), downs.sum(), skipped.sum(), Map.copyOf(f), Duration.ofNanos(Math.max(0, end - startNanos)));
    }
}
