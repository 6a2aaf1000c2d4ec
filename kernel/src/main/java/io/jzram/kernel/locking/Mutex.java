// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.util.List;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * A sleeping mutex (kernel/locking/mutex.c): not recursive (taking it twice deadlocks, after
 * lockdep said so), released by its owner, visible to lockdep and to the hung-task watchdog.
 *
 * <p>Unlike the kernel's mutex_lock, every wait here can be interrupted: an interrupted waiter gives
 * up with {@link Errno#EINTR} (the interrupt is consumed), which is how a test breaks a deadlock it
 * provoked. The uncontended path is one CAS plus, with lockdep on, the held-stack bookkeeping.
 */
public final class Mutex implements Waitable {

    private static final class Sync extends AbstractQueuedSynchronizer {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean tryAcquire(int ignored) {
            if (compareAndSetState(0, 1)) {
                setExclusiveOwnerThread(Thread.currentThread());
                return true;
            }
            return false;
        }

        @Override
        protected boolean tryRelease(int ignored) {
            if (getState() == 0) {
                throw new IllegalMonitorStateException("mutex not locked");
            }
            setExclusiveOwnerThread(null);
            setState(0);
            return true;
        }

        boolean fastAcquire() {
            return tryAcquire(1);
        }

        Thread owner() {
            return getExclusiveOwnerThread();
        }
    }

    private final Kernel kernel;
    private final LockClass lockClass;
    private final Sync sync = new Sync();

    /** A mutex of the given class. */
    public Mutex(Kernel kernel, LockClass lockClass) {
        this.kernel = kernel;
        this.lockClass = lockClass;
    }

    /** A mutex whose class is keyed by its name (one static key per name). */
    public Mutex(Kernel kernel, String name) {
        this(kernel, kernel.lockdep().classFor(name, LockClass.Kind.MUTEX));
    }

    /** mutex_lock(); interruptible here (EINTR), see the class comment. */
    public void lock() {
        Lockdep lockdep = kernel.lockdep();
        lockdep.acquire(lockClass, this, false, false);
        if (sync.fastAcquire()) {
            return;
        }
        HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
        try {
            sync.acquireInterruptibly(1);
        } catch (InterruptedException e) {
            lockdep.release(lockClass, this);
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for mutex " + lockClass.name());
        } finally {
            sleep.end();
        }
    }

    /** mutex_trylock(): true when taken. */
    public boolean tryLock() {
        if (!sync.fastAcquire()) {
            return false;
        }
        kernel.lockdep().acquire(lockClass, this, false, true);
        return true;
    }

    /** mutex_unlock(). */
    public void unlock() {
        if (sync.owner() != Thread.currentThread()) {
            kernel.log().warnSplat("kernel/locking/mutex.c:932 __mutex_unlock_slowpath",
                    "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)");
        }
        kernel.lockdep().release(lockClass, this);
        sync.release(1);
    }

    /** mutex_is_locked(). */
    public boolean isLocked() {
        return sync.owner() != null;
    }

    /** {@code lockdep_assert_held(&mutex)}: see {@link Lockdep#assertHeld}. */
    public void assertHeld() {
        kernel.lockdep().assertHeld(lockClass, this);
    }

    public boolean isHeldByCurrentThread() {
        return sync.owner() == Thread.currentThread();
    }

    public Thread owner() {
        return sync.owner();
    }

    public LockClass lockClass() {
        return lockClass;
    }

    @Override
    public String waitKind() {
        return "a mutex";
    }

    @Override
    public String waitName() {
        return lockClass.name();
    }

    @Override
    public List<Thread> holders() {
        Thread o = sync.owner();
        return o == null ? List.of() : List.of(o);
    }

    @Override
    public String toString() {
        return "mutex " + lockClass.name() + (isLocked() ? " held by " + Kernel.task(owner()) : " unlocked");
    }
}
