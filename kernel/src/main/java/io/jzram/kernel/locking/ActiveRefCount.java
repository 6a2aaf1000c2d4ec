// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Active references with deactivate-and-drain (fs/kernfs/dir.c's {@code kn->active}): users take a
 * reference around each operation ({@link #tryGet}/{@link #put}); removal {@link #deactivate}s the
 * count (new gets fail from then on) and {@link #drain}s it (sleeps until the last reference is put).
 *
 * <p>For lockdep the references are a pseudo-lock, exactly as kernfs annotates them: a get is a
 * read trylock (it never records a dependency of its own, but locks taken while it is held depend
 * on it), the drain a write acquisition (it depends on every lock the remover holds). That is how a
 * store blocked on a mutex that the remover holds becomes a circular dependency report. The drain
 * shows up in the hung-task watchdog with the tasks still holding references.
 *
 * <p>A null lock class means "no lockdep annotation" (kernfs_lockdep() false: directories,
 * symlinks and attributes created with {@code ignore_lockdep}); deactivate and drain work the same.
 */
public final class ActiveRefCount implements Waitable {

    /** KN_DEACTIVATED_BIAS. */
    private static final int DEACTIVATED_BIAS = Integer.MIN_VALUE + 1;

    private final Kernel kernel;
    private final LockClass lockClass;
    private final String name;
    private final AtomicInteger active = new AtomicInteger();
    private final Object drainWait = new Object();

    /**
     * References of class {@code lockClass} (a PSEUDO class, e.g. {@code kn->active#3}) on
     * {@code name}; a null class disables the lockdep annotation for this count.
     */
    public ActiveRefCount(Kernel kernel, LockClass lockClass, String name) {
        this.kernel = kernel;
        this.lockClass = lockClass;
        this.name = name;
    }

    /** kernfs_get_active(): false once deactivated. */
    public boolean tryGet() {
        for (;;) {
            int v = active.get();
            if (v < 0) {
                return false;
            }
            if (active.compareAndSet(v, v + 1)) {
                if (lockClass != null) {
                    kernel.lockdep().acquire(lockClass, this, true, true);
                }
                return true;
            }
        }
    }

    /** kernfs_put_active(). */
    public void put() {
        if (lockClass != null) {
            kernel.lockdep().release(lockClass, this);
        }
        int v = active.decrementAndGet();
        if (v == DEACTIVATED_BIAS) {
            synchronized (drainWait) {
                drainWait.notifyAll();
            }
        }
    }

    /** kernfs_deactivate: new gets fail from now on. Idempotent. */
    public void deactivate() {
        for (;;) {
            int v = active.get();
            if (v < 0) {
                return;
            }
            if (active.compareAndSet(v, v + DEACTIVATED_BIAS)) {
                return;
            }
        }
    }

    /** Re-enables gets after a deactivate whose drain finished (kernfs_activate). */
    public void reactivate() {
        active.compareAndSet(DEACTIVATED_BIAS, 0);
    }

    /**
     * kernfs_drain(): sleeps until every reference taken before {@link #deactivate} is put.
     * Interruptible here with EINTR (the count stays deactivated).
     */
    public void drain() {
        drain(null);
    }

    /**
     * {@link #drain()} when the caller knows the wait cannot block on anybody (no reference left can
     * be held by a task that waits for a lock the caller holds): lockdep records the drain as
     * usual, with {@code cannotBlock}, the reason, beside each dependency
     * ({@link Lockdep#circularVerdict()}); the wait itself is the same.
     */
    public void drain(String cannotBlock) {
        if (active.get() >= 0) {
            throw new IllegalStateException("drain of active references of " + name + " before deactivate");
        }
        Lockdep lockdep = lockClass == null ? null : kernel.lockdep();
        if (lockdep != null) {
            lockdep.acquire(lockClass, this, false, false, cannotBlock);
        }
        try {
            if (active.get() == DEACTIVATED_BIAS) {
                return;
            }
            HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
            try {
                synchronized (drainWait) {
                    while (active.get() != DEACTIVATED_BIAS) {
                        drainWait.wait();
                    }
                }
            } catch (InterruptedException e) {
                throw new ErrnoException(Errno.EINTR, "interrupted while draining active references of " + name);
            } finally {
                sleep.end();
            }
        } finally {
            if (lockdep != null) {
                lockdep.release(lockClass, this);
            }
        }
    }

    /** References held right now (0 when none, whether deactivated or not). */
    public int count() {
        int v = active.get();
        return v >= 0 ? v : v - DEACTIVATED_BIAS;
    }

    public boolean isDeactivated() {
        return active.get() < 0;
    }

    /** The lockdep class, or null when this count is not annotated. */
    public LockClass lockClass() {
        return lockClass;
    }

    @Override
    public String waitKind() {
        return "kernfs active references";
    }

    @Override
    public String waitName() {
        return name + " (" + (lockClass == null ? "no lockdep class" : lockClass.name()) + ", " + count() + " held)";
    }

    @Override
    public List<Thread> holders() {
        return lockClass == null ? List.of() : kernel.lockdep().holdersOf(lockClass, this);
    }
}
