// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.Completion;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * kernfs failure injection, the seed's patch 04/12 (fs/kernfs/failure-injection.c,
 * CONFIG_FAIL_KERNFS_KNOBS): four wait points in kernfs_fop_write_iter() ({@link WaitPoint}), each
 * armed by a boolean knob, all gated by one {@link FaultAttr} named
 * {@code fail_kernfs_fop_write_iter} (the selftest sets it to fail once: interval 1, probability
 * 100, times 1). A write that reaches an armed point while should_fail() says yes calls
 * kernfs_debug_wait(): it waits on the completion {@code kernfs_debug_wait_completion} (exported to
 * test drivers; test_sysfs completes it from its module exit) for at most {@link #waitTimeout()}
 * (3 s in the patch; configurable here so tests can be short), logs how the wait ended, then sleeps
 * {@link #sleepAfterWait()} (sleep_after_wait_ms, default 100 ms) to give the other side time to
 * do what it thinks will break.
 *
 * <p>Exposed under {@code /sys/kernel/debug/kernfs/} by the machine: {@code sleep_after_wait_ms},
 * {@code config_fail_kernfs_fop_write_iter/wait_*} and {@code fail_kernfs_fop_write_iter/*}, plus
 * the emulator's own {@code wait_timeout_ms}.
 *
 * <p>Locking: knobs are volatile/atomic; the completion is the kernel primitive (the waits show up
 * in the hung-task watchdog and can be interrupted: EINTR). One instance per kernfs root, so per
 * machine: the kernel's is global.
 */
public final class KernfsFailureInjection {

    /** Where kernfs_fop_write_iter() may wait, in the order the write path passes them. */
    public enum WaitPoint {
        /** At the very start, before the buffer is copied. */
        AT_START("at_start"),
        /** Before taking the open file's mutex. */
        BEFORE_MUTEX("before_mutex"),
        /** After taking the open file's mutex, before the active reference. */
        AFTER_MUTEX("after_mutex"),
        /** After the active reference (and, with the generic fix, the module reference). */
        AFTER_ACTIVE("after_active");

        private final String when;

        WaitPoint(String when) {
            this.when = when;
        }

        /** The debugfs knob: {@code wait_at_start}, ... */
        public String knob() {
            return "wait_" + when;
        }
    }

    /** The patch's wait_for_completion_timeout: 3000 ms. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMillis(3000);
    /** The patch's default sleep_after_wait_ms. */
    public static final Duration DEFAULT_SLEEP_AFTER_WAIT = Duration.ofMillis(100);

    private final Kernel kernel;
    private final FaultAttr attr;
    private final Completion completion;
    private final AtomicIntegerArray armed = new AtomicIntegerArray(WaitPoint.values().length);
    private volatile long sleepAfterWaitMs = DEFAULT_SLEEP_AFTER_WAIT.toMillis();
    private volatile long waitTimeoutMs = DEFAULT_WAIT_TIMEOUT.toMillis();

    KernfsFailureInjection(Kernel kernel, Random random) {
        this.kernel = kernel;
        this.attr = new FaultAttr("fail_kernfs_fop_write_iter", kernel.log(), random);
        this.completion = new Completion(kernel, "kernfs_debug_wait_completion");
    }

    /** The fault attribute gating every wait point. */
    public FaultAttr faultAttr() {
        return attr;
    }

    /** kernfs_debug_wait_completion, the symbol test drivers complete. */
    public Completion completion() {
        return completion;
    }

    /** Arms or disarms a wait point (echo Y/N > config_fail_kernfs_fop_write_iter/wait_*). */
    public void setWait(WaitPoint point, boolean on) {
        armed.set(point.ordinal(), on ? 1 : 0);
    }

    public boolean isArmed(WaitPoint point) {
        return armed.get(point.ordinal()) != 0;
    }

    /** Disarms every wait point. */
    public void disarmAll() {
        for (WaitPoint p : WaitPoint.values()) {
            setWait(p, false);
        }
    }

    public Duration sleepAfterWait() {
        return Duration.ofMillis(sleepAfterWaitMs);
    }

    /** sleep_after_wait_ms (a u32 in the kernel). */
    public void setSleepAfterWait(Duration d) {
        sleepAfterWaitMs = Math.max(0, d.toMillis());
    }

    public Duration waitTimeout() {
        return Duration.ofMillis(waitTimeoutMs);
    }

    /** The completion wait's timeout (3000 ms in the patch). */
    public void setWaitTimeout(Duration d) {
        waitTimeoutMs = Math.max(0, d.toMillis());
    }

    /**
     * may_wait_kernfs_debug(kernfs_fop_write_iter, when): if the point is armed and should_fail()
     * says so, kernfs_debug_wait(). Interruptible here (EINTR).
     */
    void mayWait(WaitPoint point) {
        if (!isArmed(point) || !attr.shouldFail(0)) {
            return;
        }
        long timeout = waitTimeoutMs;
        long start = System.nanoTime();
        boolean completed = completion.await(Duration.ofMillis(timeout));
        if (!completed) {
            kernel.log().info("kernfs_debug_wait waiting for kernfs_debug_wait_completion timed out");
        } else {
            long left = Math.max(0, timeout - (System.nanoTime() - start) / 1_000_000L);
            kernel.log().info("kernfs_debug_wait received completion with time left on timeout " + left + " ms");
        }
        long sleep = sleepAfterWaitMs;
        if (sleep > 0) {
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                throw new ErrnoException(Errno.EINTR, "interrupted in kernfs_debug_wait's sleep after the completion");
            }
        }
        kernel.log().info("kernfs_debug_wait ended");
    }
}
