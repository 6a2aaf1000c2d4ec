// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.KernelLog;
import io.jzram.kernel.LogLevel;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * struct fault_attr and should_fail() (lib/fault-inject.c): the generic fault-injection knobs that
 * fault_create_debugfs_attr exposes as {@code probability}, {@code interval}, {@code times},
 * {@code space}, {@code verbose}, {@code task-filter}, {@code verbose_ratelimit_interval_ms} and
 * {@code verbose_ratelimit_burst}.
 *
 * <p>should_fail, in the kernel's order: probability 0 never fails; with task-filter set only tasks
 * with make-it-fail fail (none here, so nothing fails); times 0 never fails; space greater than the
 * size swallows the size and does not fail; with interval &gt; 1 only every interval-th call
 * qualifies; then the probability (percent) is drawn. A failure logs
 * {@code FAULT_INJECTION: forcing a failure.} when verbose &gt; 0 (rate limited; a stack dump too
 * when verbose &gt; 1) and decrements times unless it is -1. Defaults are FAULT_ATTR_INITIALIZER's:
 * probability 0, interval 1, times 1, space 0, verbose 2.
 *
 * <p>Locking: the counters are atomics, as in the kernel; the interval counter is racy there and
 * an atomic here. The random source belongs to the machine (replayable with its seed).
 */
public final class FaultAttr {

    private final String name;
    private final KernelLog log;
    private final Random random;
    private volatile long probability;
    private volatile long interval = 1;
    private final AtomicInteger times = new AtomicInteger(1);
    private final AtomicInteger space = new AtomicInteger();
    private volatile long verbose = 2;
    private volatile boolean taskFilter;
    private volatile long ratelimitIntervalMs = 5000;
    private volatile long ratelimitBurst = 10;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private long ratelimitBegin;
    private long ratelimitPrinted;

    public FaultAttr(String name, KernelLog log, Random random) {
        this.name = name;
        this.log = log;
        this.random = random;
    }

    /** The debugfs directory name (attr->dname). */
    public String name() {
        return name;
    }

    /** should_fail(attr, size). */
    public boolean shouldFail(long size) {
        if (probability == 0) {
            return false;
        }
        if (taskFilter) {
            return false; // no task has /proc/PID/make-it-fail set in the emulator
        }
        if (times.get() == 0) {
            return false;
        }
        if (space.get() > size) {
            space.addAndGet((int) -size);
            return false;
        }
        long iv = interval;
        if (iv > 1) {
            if (count.incrementAndGet() % iv != 0) {
                return false;
            }
        }
        if (probability <= random.nextInt(100)) {
            return false;
        }
        failDump();
        times.getAndUpdate(t -> t == -1 || t == 0 ? t : t - 1);
        failures.incrementAndGet();
        return true;
    }

    private void failDump() {
        long v = verbose;
        if (v <= 0 || !ratelimitOk()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("FAULT_INJECTION: forcing a failure.\n");
        sb.append("name ").append(name).append(", interval ").append(interval).append(", probability ").append(probability)
                .append(", space ").append(space.get()).append(", times ").append(times.get());
        if (v > 1) {
            sb.append("\nCall Trace:\n <TASK>\n");
            StackTraceElement[] st = Thread.currentThread().getStackTrace();
            for (int i = 2; i < st.length && i < 20; i++) {
                String cls = st[i].getClassName();
                sb.append(' ').append(cls.substring(cls.lastIndexOf('.') + 1)).append('.').append(st[i].getMethodName()).append('\n');
            }
            sb.append(" </TASK>");
        }
        log.printk(LogLevel.NOTICE, sb.toString());
    }

    private synchronized boolean ratelimitOk() {
        long now = System.nanoTime() / 1_000_000L;
        long iv = ratelimitIntervalMs;
        if (iv == 0) {
            return true;
        }
        if (ratelimitBegin == 0 || now - ratelimitBegin >= iv) {
            ratelimitBegin = now;
            ratelimitPrinted = 0;
        }
        if (ratelimitPrinted < ratelimitBurst) {
            ratelimitPrinted++;
            return true;
        }
        return false;
    }

    /** Failures injected so far. */
    public long failures() {
        return failures.get();
    }

    public long probability() {
        return probability;
    }

    /** Percent; 100 or more always fails (once the other checks pass). */
    public void setProbability(long percent) {
        this.probability = percent;
    }

    public long interval() {
        return interval;
    }

    /** Every interval-th qualifying call may fail; 0 and 1 mean every call. */
    public void setInterval(long interval) {
        this.interval = interval;
    }

    public int times() {
        return times.get();
    }

    /** How many failures may still happen; -1 is no limit. */
    public void setTimes(int times) {
        this.times.set(times);
    }

    public int space() {
        return space.get();
    }

    public void setSpace(int space) {
        this.space.set(space);
    }

    public long verbose() {
        return verbose;
    }

    public void setVerbose(long verbose) {
        this.verbose = verbose;
    }

    public boolean taskFilter() {
        return taskFilter;
    }

    public void setTaskFilter(boolean on) {
        this.taskFilter = on;
    }

    public long ratelimitIntervalMs() {
        return ratelimitIntervalMs;
    }

    public void setRatelimitIntervalMs(long ms) {
        this.ratelimitIntervalMs = ms;
    }

    public long ratelimitBurst() {
        return ratelimitBurst;
    }

    public void setRatelimitBurst(long burst) {
        this.ratelimitBurst = burst;
    }
}
