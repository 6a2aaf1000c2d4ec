// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.time.Duration;
import java.util.List;

/**
 * A completion (kernel/sched/completion.c): {@code complete()} lets one waiter through,
 * {@code complete_all()} all of them, present and future, until {@code reinit}. Waits are seen by
 * the hung-task watchdog (as the kernel's uninterruptible ones are) and can be interrupted here with
 * EINTR. Completions are not lock classes: lockdep does not track them.
 */
public final class Completion implements Waitable {

    private static final int ALL = Integer.MAX_VALUE;

    private final Kernel kernel;
    private final String name;
    private int done;

    public Completion(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    /** complete(): one waiter (present or future) proceeds. */
    public synchronized void complete() {
        if (done != ALL) {
            done++;
        }
        notifyAll();
    }

    /** complete_all(): every waiter proceeds until reinit. */
    public synchronized void completeAll() {
        done = ALL;
        notifyAll();
    }

    /** reinit_completion(). */
    public synchronized void reinit() {
        done = 0;
    }

    /** completion_done(): true when a wait would not block. */
    public synchronized boolean isDone() {
        return done > 0;
    }

    /** try_wait_for_completion(). */
    public synchronized boolean tryWait() {
        if (done == 0) {
            return false;
        }
        if (done != ALL) {
            done--;
        }
        return true;
    }

    /** wait_for_completion(); interruptible here with EINTR. */
    public void await() {
        if (tryWait()) {
            return;
        }
        HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
        try {
            synchronized (this) {
                while (done == 0) {
                    wait();
                }
                if (done != ALL) {
                    done--;
                }
            }
        } catch (InterruptedException e) {
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for completion " + name);
        } finally {
            sleep.end();
        }
    }

    /** wait_for_completion_timeout(): true when completed, false when the time ran out. */
    public boolean await(Duration timeout) {
        if (tryWait()) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
        try {
            synchronized (this) {
                while (done == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    wait(Math.max(1, left / 1_000_000L), 0);
                }
                if (done != ALL) {
                    done--;
                }
                return true;
            }
        } catch (InterruptedException e) {
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for completion " + name);
        } finally {
            sleep.end();
        }
    }

    @Override
    public String waitKind() {
        return "a completion";
    }

    @Override
    public String waitName() {
        return name;
    }

    @Override
    public List<Thread> holders() {
        return List.of();
    }
}
