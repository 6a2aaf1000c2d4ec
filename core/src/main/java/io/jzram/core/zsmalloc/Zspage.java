// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import io.jzram.kernel.locking.GuardedBy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One zspage: {@code struct zspage} of mm/zsmalloc.c, a run of 1..8 contiguous pages that holds
 * {@code objsPerZspage} objects of one size class.
 *
 * <p>A Zspage object keeps its {@link #id} for life: when its pages are freed it goes on its
 * class's free list and is reused, with new pages, for a later zspage of the same class. Handles
 * locate objects as (zspage id, object index), so the id-to-Zspage map never changes identity.
 *
 * <p>Locking: every field but {@link #lockState} is guarded by the owning {@link SizeClass}'s lock
 * (annotated {@code class->lock}; SizeClass, the only code that changes them, asserts it), and
 * {@link #view} and {@link #base} are also read, without it, by a mapping that holds the zspage
 * lock (they do not change while the zspage is in use).
 * {@link #lockState} is the zspage lock of the kernel ({@code zspage_read_lock} /
 * {@code zspage_write_trylock}): {@code >= 0} counts readers (a mapping, for read or write, of an
 * object in this zspage, taken while a compaction runs; otherwise accesses count themselves on the
 * pool's fast path and leave this word alone, see {@link ZsPool}), {@code -1} means compaction is
 * moving objects out of it. Readers wait for a writer; the writer only ever try-locks (and gives up
 * on a zspage that has readers), so the zspage lock cannot take part in a deadlock.
 */
final class Zspage {
    private static final VarHandle LOCK_STATE;

    static {
        try {
            LOCK_STATE = MethodHandles.lookup().findVarHandle(Zspage.class, "lockState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Index in the class's zspage table; stable for the life of this object. */
    final int id;

    /** First page id (from the {@link PageAllocator}), or -1 while this Zspage is unused. */
    @GuardedBy("class->lock")
    int firstPage = -1;
    /** The chunk's shared view and the byte offset of the first page in it. */
    @GuardedBy("class->lock (write)")
    ByteBuffer view;
    @GuardedBy("class->lock (write)")
    int base;
    /** Objects allocated in this zspage. */
    @GuardedBy("class->lock")
    int inuse;
    /** Index of the first free object, -1 when full. */
    @GuardedBy("class->lock")
    int freeHead = -1;
    /** Fullness group (0..11, see {@link SizeClass}). */
    @GuardedBy("class->lock")
    int fullness;
    /** Links of the class's fullness list, or of its free list while unused. */
    @GuardedBy("class->lock")
    Zspage prev;
    @GuardedBy("class->lock")
    Zspage next;
    /** Whether compaction has taken this zspage off the fullness lists. */
    @GuardedBy("class->lock")
    boolean isolated;
    /** For classes with one object per zspage: the handle of that object (no header in memory). */
    @GuardedBy("class->lock")
    long hugeHandle;

    @SuppressWarnings("unused") // accessed through LOCK_STATE
    private volatile int lockState;

    Zspage(int id) {
        this.id = id;
    }

    /** Takes a read reference unless compaction holds the zspage. */
    boolean tryReadLock() {
        int s = (int) LOCK_STATE.getVolatile(this);
        while (s >= 0) {
            int witness = (int) LOCK_STATE.compareAndExchange(this, s, s + 1);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    void readUnlock() {
        int prev = (int) LOCK_STATE.getAndAdd(this, -1);
        if (prev <= 0) {
            throw new IllegalStateException("zspage " + id + " read-unlocked while not read-locked (state " + prev + ")");
        }
    }

    /** Takes the zspage for migration if nobody maps an object in it. */
    boolean tryWriteLock() {
        return LOCK_STATE.compareAndSet(this, 0, -1);
    }

    void writeUnlock() {
        LOCK_STATE.setVolatile(this, 0);
    }

    /** Current lock state, for assertions and tests. */
    int lockState() {
        return (int) LOCK_STATE.getVolatile(this);
    }
}
