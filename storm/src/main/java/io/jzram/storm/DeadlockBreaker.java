// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.ActiveRefCount;
import io.jzram.kernel.locking.HungTaskWatchdog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Breaks the deadlocks of an emulated kernel so that a run always finishes and reports: a task
 * sleeping in a lock for longer than the hung-task timeout is part of a deadlock (nothing in a storm
 * or a {@code jzram run} legitimately waits that long); the wait chain is recorded and the lock
 * waiters are interrupted (their waits end with EINTR), which lets a remover's drain finish. A task
 * waiting in a drain ({@link ActiveRefCount}) is never interrupted first (its caller would be left
 * half done); only if nothing else can be after four timeouts. It acts once khungtaskd has reported
 * (it checks every timeout/4), and after three timeouts anyway.
 *
 * <p>Mirrors nothing in the kernel (where a deadlock stays one): it is the harness's side of
 * {@link HungTaskWatchdog}. Threading: one daemon thread from {@link #start()} to {@link #close()};
 * the getters may be called from any thread.
 */
public final class DeadlockBreaker implements AutoCloseable {
    private final Kernel kernel;
    private final Duration timeout;
    private final Predicate<Thread> ours;
    private final long t0;
    private volatile BooleanSupplier evidence = () -> false;
    private final List<String> deadlocks = Collections.synchronizedList(new ArrayList<>());
    private final List<String> drainers = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder interrupted = new LongAdder();
    private volatile boolean stop;
    private Thread thread;

    /**
     * @param kernel  the emulated kernel whose watchdog reports blocked tasks
     * @param timeout its hung-task timeout
     * @param ours    the threads this breaker may interrupt
     */
    public DeadlockBreaker(Kernel kernel, Duration timeout, Predicate<Thread> ours) {
        this.kernel = kernel;
        this.timeout = timeout;
        this.ours = ours;
        this.t0 = System.nanoTime();
    }

    /**
     * What tells a report that the kernel log already holds evidence of a bug (lockdep's report, a
     * splat): the report then says so beside the wait chain.
     */
    public DeadlockBreaker evidence(BooleanSupplier logHasEvidence) {
        this.evidence = logHasEvidence;
        return this;
    }

    /** Starts watching (once). */
    public synchronized DeadlockBreaker start() {
        if (thread == null && !timeout.isZero()) {
            thread = new Thread(this::loop, "deadlock-breaker");
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    /**
     * The deadlocks broken: when, whether the wait chain closed a lock cycle ("lock cycle: a -> b -> a")
     * or only the timeout passed ("no lock cycle found"), who waited on what held by whom, whom it
     * interrupted.
     */
    public List<String> deadlocks() {
        synchronized (deadlocks) {
            return List.copyOf(deadlocks);
        }
    }

    /** The names of the threads found waiting in a drain of active references, one per deadlock they were part of. */
    public List<String> drainers() {
        synchronized (drainers) {
            return List.copyOf(drainers);
        }
    }

    /** How many blocked tasks were interrupted. */
    public long interrupted() {
        return interrupted.sum();
    }

    /** Stops watching and waits for the thread (up to 5 s). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            stop = true;
            t = thread;
        }
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        HungTaskWatchdog wd = kernel.hungTaskWatchdog();
        long timeoutNs = timeout.toNanos();
        long reportsSeen = 0;
        while (!stop) {
            sleepMs(Math.max(20, Math.min(200, timeoutNs / 4_000_000L)));
            long now = kernel.uptimeNanos();
            long reports = wd.reports();
            long threshold = reports > reportsSeen ? timeoutNs : 3 * timeoutNs;
            List<HungTaskWatchdog.BlockedTask> stuck = new ArrayList<>();
            for (HungTaskWatchdog.BlockedTask b : wd.blockedTasks()) {
                if (ours.test(b.thread()) && now - b.sinceNanos() >= threshold) {
                    stuck.add(b);
                }
            }
            if (stuck.isEmpty()) {
                continue;
            }
            List<HungTaskWatchdog.BlockedTask> victims = new ArrayList<>();
            for (HungTaskWatchdog.BlockedTask b : stuck) {
                if (!(b.on() instanceof ActiveRefCount)) {
                    victims.add(b);
                }
            }
            if (victims.isEmpty()) {
                for (HungTaskWatchdog.BlockedTask b : stuck) {
                    if (now - b.sinceNanos() >= 4 * timeoutNs) {
                        victims.add(b);
                    }
                }
            }
            if (victims.isEmpty()) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "at %.1fs: ", (System.nanoTime() - t0) / 1e9));
            List<Thread> cycle = waitCycle(wd.blockedTasks());
            if (cycle != null) {
                sb.append("lock cycle: ").append(cycle.stream().map(Thread::getName).collect(Collectors.joining(" -> ")))
                        .append(" (the hung-task wait chain closes: each waits for what the next holds)");
            } else {
                sb.append(String.format(Locale.ROOT, "no lock cycle found: only the hung-task timeout (%.1f s) passed",
                        timeoutNs / 1e9));
            }
            if (evidence.getAsBoolean()) {
                sb.append("; lockdep or a splat has reported");
            }
            for (HungTaskWatchdog.BlockedTask b : wd.blockedTasks()) {
                if (now - b.sinceNanos() < timeoutNs / 2) {
                    continue;
                }
                List<Thread> holders = new ArrayList<>(b.on().holders());
                holders.remove(b.thread());
                sb.append("\n  ").append(b.thread().getName()).append(" blocked on ").append(b.on().waitKind()).append(' ')
                        .append(b.on().waitName());
                if (!holders.isEmpty()) {
                    sb.append(" held by ").append(holders.stream().map(Thread::getName).reduce((a, c) -> a + ", " + c).orElse(""));
                }
                if (b.on() instanceof ActiveRefCount) {
                    drainers.add(b.thread().getName());
                }
            }
            sb.append("\n  broken by interrupting ");
            sb.append(victims.stream().map(b -> b.thread().getName()).reduce((a, c) -> a + ", " + c).orElse(""));
            deadlocks.add(sb.toString());
            reportsSeen = reports;
            for (HungTaskWatchdog.BlockedTask b : victims) {
                b.thread().interrupt();
                interrupted.increment();
            }
            sleepMs(Math.max(20, timeoutNs / 2_000_000L)); // let them unwind before looking again
        }
    }

    /**
     * The wait-for cycle among the blocked tasks, as the hung-task watchdog sees them (each task
     * waits for the holders of what it sleeps on), closed by its first task; null when there is none
     * (the holders are running, or are not known: an unannotated drain).
     */
    static List<Thread> waitCycle(List<HungTaskWatchdog.BlockedTask> blocked) {
        Map<Thread, List<Thread>> waitsFor = new LinkedHashMap<>();
        for (HungTaskWatchdog.BlockedTask b : blocked) {
            List<Thread> holders = new ArrayList<>(b.on().holders());
            holders.remove(b.thread());
            waitsFor.put(b.thread(), holders);
        }
        for (Thread start : waitsFor.keySet()) {
            List<Thread> path = new ArrayList<>();
            if (closesCycle(start, start, waitsFor, path, new HashSet<>())) {
                return path;
            }
        }
        return null;
    }

    private static boolean closesCycle(Thread start, Thread at, Map<Thread, List<Thread>> waitsFor, List<Thread> path,
            Set<Thread> seen) {
        path.add(at);
        for (Thread next : waitsFor.getOrDefault(at, List.of())) {
            if (next == start) {
                path.add(start);
                return true;
            }
            if (waitsFor.containsKey(next) && seen.add(next) && closesCycle(start, next, waitsFor, path, seen)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        return false;
    }

    private static void sleepMs(long ms) {
        LockSupport.parkNanos(ms * 1_000_000L);
        Thread.interrupted();
    }
}
