// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * A reader/writer semaphore (kernel/locking/rwsem.c): many readers or one writer; a waiting writer
 * blocks new readers (so, as in the kernel, a reader taking it twice can deadlock against a
 * writer). Visible to lockdep (reads as read acquisitions) and to the hung-task watchdog; waits are
 * interruptible with EINTR like {@link Mutex}'s.
 */
public final class RwSemaphore implements Waitable {

    private static final class Sync extends AbstractQueuedSynchronizer {
        private static final long serialVersionUID = 1L;
        // state: -1 = write locked, 0 = free, n > 0 = n readers

        @Override
        protected boolean tryAcquire(int ignored) {
            if (getState() == 0 && !hasQueuedPredecessors() && compareAndSetState(0, -1)) {
                setExclusiveOwnerThread(Thread.currentThread());
                return true;
            }
            return false;
        }

        @Override
        protected boolean tryRelease(int ignored) {
            if (getState() != -1) {
                throw new IllegalMonitorStateException("rwsem not write locked");
            }
            setExclusiveOwnerThread(null);
            setState(0);
            return true;
        }

        @Override
        protected int tryAcquireShared(int ignored) {
            for (;;) {
                int s = getState();
                if (s < 0 || hasQueuedPredecessors()) {
                    return -1;
                }
                if (compareAndSetState(s, s + 1)) {
                    return 1;
                }
            }
        }

        @Override
        protected boolean tryReleaseShared(int ignored) {
            for (;;) {
                int s = getState();
                if (s <= 0) {
                    throw new IllegalMonitorStateException("rwsem not read locked");
                }
                if (compareAndSetState(s, s - 1)) {
                    return s == 1;
                }
            }
        }

        boolean fastWrite() {
            return tryAcquire(1);
        }

        boolean fastRead() {
            return tryAcquireShared(1) > 0;
        }

        Thread writer() {
            return getExclusiveOwnerThread();
        }

        int readers() {
            return Math.max(0, getState());
        }
    }

    private final Kernel kernel;
    private final LockClass lockClass;
    private final Sync sync = new Sync();

    public RwSemaphore(Kernel kernel, LockClass lockClass) {
        this.kernel = kernel;
        this.lockClass = lockClass;
    }

    public RwSemaphore(Kernel kernel, String name) {
        this(kernel, kernel.lockdep().classFor(name, LockClass.Kind.RWSEM));
    }

    /** down_read(). */
    public void readLock() {
        kernel.lockdep().acquire(lockClass, this, true, false);
        if (sync.fastRead()) {
            return;
        }
        HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
        try {
            sync.acquireSharedInterruptibly(1);
        } catch (InterruptedException e) {
            kernel.lockdep().release(lockClass, this);
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for rwsem " + lockClass.name());
        } finally {
            sleep.end();
        }
    }

    /** down_read_trylock(). */
    public boolean tryReadLock() {
        if (!sync.fastRead()) {
            return false;
        }
        kernel.lockdep().acquire(lockClass, this, true, true);
        return true;
    }

    /** up_read(). */
    public void readUnlock() {
        kernel.lockdep().release(lockClass, this);
        sync.releaseShared(1);
    }

    /** down_write(). */
    public void writeLock() {
        kernel.lockdep().acquire(lockClass, this, false, false);
        if (sync.fastWrite()) {
            return;
        }
        HungTaskWatchdog.Sleep sleep = kernel.hungTaskWatchdog().sleepingOn(this);
        try {
            sync.acquireInterruptibly(1);
        } catch (InterruptedException e) {
            kernel.lockdep().release(lockClass, this);
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for rwsem " + lockClass.name());
        } finally {
            sleep.end();
        }
    }

    /** down_write_trylock(). */
    public boolean tryWriteLock() {
        if (!sync.fastWrite()) {
            return false;
        }
        kernel.lockdep().acquire(lockClass, this, false, true);
        return true;
    }

    /** up_write(). */
    public void writeUnlock() {
        kernel.lockdep().release(lockClass, this);
        sync.release(1);
    }

    /** {@code lockdep_assert_held(&sem)}: held for reading or writing; see {@link Lockdep#assertHeld}. */
    public void assertHeld() {
        kernel.lockdep().assertHeld(lockClass, this);
    }

    /** {@code lockdep_assert_held_write(&sem)}: held for writing; see {@link Lockdep#assertHeldWrite}. */
    public void assertWriteHeld() {
        kernel.lockdep().assertHeldWrite(lockClass, this);
    }

    public boolean isWriteLocked() {
        return sync.writer() != null;
    }

    public int readers() {
        return sync.readers();
    }

    public LockClass lockClass() {
        return lockClass;
    }

    @Override
    public String waitKind() {
        return "an rw-semaphore";
    }

    @Override
    public String waitName() {
        return lockClass.name();
    }

    @Override
    public List<Thread> holders() {
        Thread w = sync.writer();
        if (w != null) {
            return List.of(w);
        }
        return new ArrayList<>(kernel.lockdep().holdersOf(lockClass, this));
    }
}
