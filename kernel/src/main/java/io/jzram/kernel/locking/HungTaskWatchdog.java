// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.LogLevel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * khungtaskd (kernel/hung_task.c): reports tasks that have slept uninterruptibly in one of the
 * kernel's lock primitives for longer than {@code hung_task_timeout_secs}, with the task's stack,
 * what it waits on, who likely holds that (CONFIG_DETECT_HUNG_TASK_BLOCKER), and, with lockdep on,
 * every lock held in the system.
 *
 * <p>Only the slow path of a primitive registers here: a lock taken without waiting costs nothing.
 * A wait is reported once. The checking thread is started on the first registered wait and ends on
 * {@link #close()}. A timeout of zero disables reporting (echo 0 > hung_task_timeout_secs).
 *
 * <p>Locking: waits live in a concurrent map keyed by thread; reports are built from racy snapshots,
 * as the kernel's are.
 */
public final class HungTaskWatchdog implements AutoCloseable {

    /** A task sleeping in a primitive, as a snapshot. */
    public record BlockedTask(Thread thread, Waitable on, long sinceNanos) {
        public Duration blockedFor(long nowNanos) {
            return Duration.ofNanos(nowNanos - sinceNanos);
        }
    }

    /**
     * The registration of one sleep, ended by {@link #end()} in a {@code finally} (the task is
     * TASK_UNINTERRUPTIBLE from {@link #sleepingOn} until then).
     */
    public interface Sleep {
        void end();
    }

    private static final class Wait implements Sleep {
        final HungTaskWatchdog owner;
        final Thread thread;
        final Waitable on;
        final long since;
        volatile boolean reported;

        Wait(HungTaskWatchdog owner, Thread thread, Waitable on, long since) {
            this.owner = owner;
            this.thread = thread;
            this.on = on;
            this.since = since;
        }

        @Override
        public void end() {
            owner.waits.remove(thread, this);
        }
    }

    private final Kernel kernel;
    private final ConcurrentHashMap<Thread, Wait> waits = new ConcurrentHashMap<>();
    private final AtomicLong reports = new AtomicLong();
    private volatile long timeoutNanos;
    private Thread daemon;
    private boolean closed;

    public HungTaskWatchdog(Kernel kernel, Duration timeout) {
        this.kernel = kernel;
        this.timeoutNanos = timeout.toNanos();
    }

    /** hung_task_timeout_secs (any duration here; tests use short ones). Zero disables. */
    public void setTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        timeoutNanos = timeout.toNanos();
        synchronized (this) {
            notifyAll();
        }
        if (!waits.isEmpty()) {
            ensureDaemon();
        }
    }

    public Duration timeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    /** Registers the calling task as sleeping on {@code on} until the returned handle is ended. */
    public Sleep sleepingOn(Waitable on) {
        Wait w = new Wait(this, Thread.currentThread(), on, kernel.uptimeNanos());
        waits.put(w.thread, w);
        ensureDaemon();
        return w;
    }

    /** Tasks sleeping right now, longest first. */
    public List<BlockedTask> blockedTasks() {
        List<BlockedTask> out = new ArrayList<>();
        for (Wait w : waits.values()) {
            out.add(new BlockedTask(w.thread, w.on, w.since));
        }
        out.sort((a, b) -> Long.compare(a.sinceNanos(), b.sinceNanos()));
        return out;
    }

    /** Hung-task reports logged so far. */
    public long reports() {
        return reports.get();
    }

    /** One check_hung_uninterruptible_tasks() pass; returns the number of new reports. */
    public int check() {
        long timeout = timeoutNanos;
        if (timeout <= 0) {
            return 0;
        }
        long now = kernel.uptimeNanos();
        int n = 0;
        for (Wait w : waits.values()) {
            if (!w.reported && now - w.since >= timeout) {
                w.reported = true;
                report(w, timeout);
                n++;
            }
        }
        return n;
    }

    private void report(Wait w, long timeout) {
        Thread t = w.thread;
        long secs = Math.max(1, (timeout + 999_999_999L) / 1_000_000_000L);
        StringBuilder sb = new StringBuilder();
        sb.append("INFO: task ").append(Kernel.comm(t)).append(':').append(Kernel.pid(t)).append(" blocked for more than ")
                .append(secs).append(" seconds.\n");
        sb.append("      ").append(kernel.taintDescription()).append(' ').append(kernel.release()).append(" #1\n");
        sb.append("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n");
        appendTask(sb, t);
        List<Thread> holders = new ArrayList<>(w.on.holders());
        holders.remove(t); // a drain is "held" by the task waiting in it; it does not own what it waits for
        if (holders.isEmpty()) {
            sb.append("INFO: task ").append(Kernel.comm(t)).append(':').append(Kernel.pid(t)).append(" is blocked on ")
                    .append(w.on.waitKind()).append(' ').append(w.on.waitName()).append(", no owner known.\n");
        }
        for (Thread h : holders) {
            sb.append("INFO: task ").append(Kernel.comm(t)).append(':').append(Kernel.pid(t)).append(" is blocked on ")
                    .append(w.on.waitKind()).append(' ').append(w.on.waitName()).append(" likely owned by task ")
                    .append(Kernel.comm(h)).append(':').append(Kernel.pid(h)).append(".\n");
            appendTask(sb, h);
        }
        if (kernel.lockdep().enabled()) {
            sb.append(kernel.lockdep().showAllLocks());
        }
        kernel.log().printk(LogLevel.ERR, sb.toString());
        reports.incrementAndGet();
    }

    private void appendTask(StringBuilder sb, Thread t) {
        sb.append(String.format("task:%-15s state:D stack:0     pid:%-5d tgid:%-5d ppid:1      flags:0x00004000%n",
                Kernel.comm(t), Kernel.pid(t), Kernel.pid(t)));
        sb.append("Call Trace:\n <TASK>\n");
        int shown = 0;
        for (StackTraceElement f : t.getStackTrace()) {
            if (shown++ >= 32) {
                break;
            }
            String cls = f.getClassName();
            sb.append(' ').append(cls.substring(cls.lastIndexOf('.') + 1)).append('.').append(f.getMethodName())
                    .append("+0x").append(Integer.toHexString(Math.max(0, f.getLineNumber()))).append('\n');
        }
        sb.append(" </TASK>\n");
    }

    /** Starts khungtaskd on the first sleep, unless the timeout is zero (disabled, as hung_task_timeout_secs=0). */
    private synchronized void ensureDaemon() {
        if (daemon != null || closed || timeoutNanos == 0) {
            return;
        }
        daemon = new Thread(this::run, "khungtaskd");
        daemon.setDaemon(true);
        daemon.start();
    }

    private void run() {
        while (true) {
            long timeout = timeoutNanos;
            long periodMillis = timeout <= 0 ? 1000 : Math.max(20, Math.min(1000, timeout / 4_000_000L));
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    wait(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) {
                    return;
                }
            }
            check();
        }
    }

    @Override
    public void close() {
        Thread d;
        synchronized (this) {
            closed = true;
            d = daemon;
            notifyAll();
        }
        if (d != null) {
            try {
                d.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
