// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw spinlock ({@code raw_spinlock_t}): for the short critical sections of data-path
 * structures (a zsmalloc size class), where a sleeping lock's park/unpark costs more than the
 * section itself. Not re-entrant, not instrumented by lockdep or the hung-task watchdog (raw
 * spinlocks are not sleeping waits), never held across a sleeping lock.
 *
 * <p>Waiting: a contended {@link #lock()} spins ({@link Thread#onSpinWait()}) for a short while
 * and then yields between attempts, since unlike the kernel a Java holder can be preempted (more
 * threads than cores). {@link #isContended()} is {@code spin_is_contended()}: someone is waiting.
 *
 * <p>Memory ordering: acquire on lock, release on unlock (the lock word is an AtomicInteger).
 */
public final class RawSpinLock {
    private static final int SPINS_BEFORE_YIELD = 128;

    /** 0: free; 1: held. */
    private final AtomicInteger state = new AtomicInteger();
    private final AtomicInteger waiters = new AtomicInteger();

    /** spin_lock(). */
    public void lock() {
        if (!state.compareAndSet(0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        waiters.incrementAndGet();
        try {
            int spins = 0;
            while (true) {
                if (state.get() == 0 && state.compareAndSet(0, 1)) {
                    return;
                }
                if (++spins < SPINS_BEFORE_YIELD) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        } finally {
            waiters.decrementAndGet();
        }
    }

    /** spin_trylock(). */
    public boolean tryLock() {
        return state.get() == 0 && state.compareAndSet(0, 1);
    }

    /** spin_unlock(). The caller must hold the lock. */
    public void unlock() {
        if (state.getAndSet(0) != 1) {
            throw new IllegalMonitorStateException("spin_unlock of a lock that is not held");
        }
    }

    /** spin_is_contended(): another thread waits for the lock. */
    public boolean isContended() {
        return waiters.get() > 0;
    }

    /**
     * {@code assert_spin_locked()}: throws {@link IllegalMonitorStateException} unless the lock is
     * held. As the kernel's, it checks that the lock is taken, not by whom (a raw spinlock has no
     * owner and no lockdep here), so it catches code that touches guarded state with the lock not
     * taken at all. One load of the lock word, which its holder has in cache: cheap enough for the
     * per-object paths of the sections it guards.
     */
    public void assertLocked() {
        if (state.getOpaque() == 0) {
            throw new IllegalMonitorStateException("assert_spin_locked: the lock is not held");
        }
    }

    /** spin_is_locked(). */
    public boolean isLocked() {
        return state.get() != 0;
    }
}
