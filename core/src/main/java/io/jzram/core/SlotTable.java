// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The slot table: {@code zram->table} of drivers/block/zram/zram_drv.c ({@code struct
 * zram_table_entry}: handle, flags, ac_time), one slot per 4 KiB page of the device.
 *
 * <p>Layout. The kernel allocates the table with vzalloc, 16 bytes (24 with access-time tracking)
 * per page, backed lazily by the MMU. Here the table is a directory of chunks of
 * {@value #CHUNK_SLOTS} slots, each chunk a {@code long[]} of three words per slot (handle, flags
 * word, ac_time), created on the first write into it. A 100 GB device costs its 6,400-entry
 * directory until it is written; unwritten chunks read as empty slots.
 *
 * <p>The flags word mirrors {@code zram_table_entry.flags}: the low {@value #FLAG_SHIFT} bits
 * ({@code ZRAM_FLAG_SHIFT} = PAGE_SHIFT + 1) hold the object size, the bits above are the
 * {@code enum zram_pageflags} in the kernel's order (SAME, ENTRY_LOCK, WB, PP_SLOT, HUGE, IDLE,
 * INCOMPRESSIBLE, two bits of compression priority).
 *
 * <p>Locking. {@link #lock} is the kernel's {@code zram_slot_lock()} on {@code ZRAM_ENTRY_LOCK}:
 * a CAS that sets the lock bit in the flags word, spinning then yielding then parking while another
 * task holds it (6.15+ made it a sleeping lock, held across decompression). It returns the flags
 * (lock bit clear); the holder changes handle, ac_time and the flags at will and publishes the new
 * flags with {@link #unlock}, a release store that also clears the lock bit. Nobody changes a word
 * of a slot without holding its lock, except chunk creation (a CAS on the directory). There is no
 * table-wide lock.
 */
final class SlotTable {
    static final int PAGE_SHIFT = 12;
    static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** ZRAM_FLAG_SHIFT: object size bits below, page flags above. */
    static final int FLAG_SHIFT = PAGE_SHIFT + 1;
    static final long SIZE_MASK = (1L << FLAG_SHIFT) - 1;

    /** ZRAM_SAME: the page is one repeated word, kept in the handle. */
    static final long SAME = 1L << FLAG_SHIFT;
    /** ZRAM_ENTRY_LOCK. */
    static final long LOCK = 1L << (FLAG_SHIFT + 1);
    /** ZRAM_WB: the page lives in the backing file, the handle is its block index. */
    static final long WB = 1L << (FLAG_SHIFT + 2);
    /** ZRAM_PP_SLOT: selected for post-processing (writeback or recompression). */
    static final long PP_SLOT = 1L << (FLAG_SHIFT + 3);
    /** ZRAM_HUGE: stored uncompressed. */
    static final long HUGE = 1L << (FLAG_SHIFT + 4);
    /** ZRAM_IDLE. */
    static final long IDLE = 1L << (FLAG_SHIFT + 5);
    /** ZRAM_INCOMPRESSIBLE: no recompression algorithm could shrink it. */
    static final long INCOMPRESSIBLE = 1L << (FLAG_SHIFT + 6);
    /** ZRAM_COMP_PRIORITY_BIT1 (and BIT2 above it): the priority of the compressor that wrote it. */
    static final int PRIO_SHIFT = FLAG_SHIFT + 7;
    static final long PRIO_MASK = 3L << PRIO_SHIFT;

    static final int CHUNK_SHIFT = 12;
    static final int CHUNK_SLOTS = 1 << CHUNK_SHIFT;
    static final int WORDS = 3;
    static final int HANDLE = 0;
    static final int FLAGS = 1;
    static final int AC_TIME = 2;

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle DIR = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final int SPINS = 128;

    private final long nrPages;
    private final long[][] chunks;
    private final java.util.concurrent.atomic.AtomicInteger liveChunks = new java.util.concurrent.atomic.AtomicInteger();

    SlotTable(long nrPages) {
        long dir = (nrPages + CHUNK_SLOTS - 1) >>> CHUNK_SHIFT;
        if (nrPages <= 0 || dir > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("table of " + nrPages + " pages");
        }
        this.nrPages = nrPages;
        this.chunks = new long[(int) dir][];
    }

    long nrPages() {
        return nrPages;
    }

    /** The chunk holding slot {@code index}, or null while nothing was ever written there. */
    long[] chunkOrNull(long index) {
        return (long[]) DIR.getAcquire(chunks, (int) (index >>> CHUNK_SHIFT));
    }

    /** The chunk holding slot {@code index}, created (zeroed) on first use. */
    long[] chunk(long index) {
        int ci = (int) (index >>> CHUNK_SHIFT);
        long[] c = (long[]) DIR.getAcquire(chunks, ci);
        if (c != null) {
            return c;
        }
        long[] fresh = new long[CHUNK_SLOTS * WORDS];
        long[] witness = (long[]) DIR.compareAndExchangeRelease(chunks, ci, null, fresh);
        if (witness != null) {
            return witness;
        }
        liveChunks.incrementAndGet();
        return fresh;
    }

    /** What a scan does with one slot under its lock: returns the slot's new flags. */
    @FunctionalInterface
    interface LockedSlotVisitor {
        long visit(long index, long[] chunk, int base, long flags);
    }

    /**
     * Visits the slots {@code lo..hi-1} that were ever written (unwritten chunks are skipped), each
     * under its slot lock, publishing the flags the visitor returns: the walk of {@code mark_idle()}
     * and of the post-processing scans.
     */
    void forEachLocked(long lo, long hi, LockedSlotVisitor visitor) {
        for (long index = lo; index < hi; index++) {
            long[] chunk = chunkOrNull(index);
            if (chunk == null) {
                index |= CHUNK_SLOTS - 1;
                continue;
            }
            int b = base(index);
            long f = lock(chunk, b);
            long nf = f;
            try {
                nf = visitor.visit(index, chunk, b, f);
            } finally {
                unlock(chunk, b, nf);
            }
        }
    }

    /** Index of slot {@code index}'s first word in its chunk. */
    static int base(long index) {
        return (int) (index & (CHUNK_SLOTS - 1)) * WORDS;
    }

    /** Number of directory entries (chunks that could exist). */
    int directorySize() {
        return chunks.length;
    }

    /** Chunks created so far. */
    int liveChunks() {
        return liveChunks.get();
    }

    /** Heap bytes the table holds: the directory and the chunks created (16-byte array headers). */
    long heapBytes() {
        return 16L + 8L * chunks.length + (long) liveChunks.get() * (16L + 8L * CHUNK_SLOTS * WORDS);
    }

    // ---- per-slot lock (ZRAM_ENTRY_LOCK) --------------------------------------------------------

    /** zram_slot_lock(): takes the slot lock, returns the flags word (lock bit clear). */
    static long lock(long[] chunk, int base) {
        int i = base + FLAGS;
        long f = (long) WORD.getVolatile(chunk, i);
        if ((f & LOCK) == 0 && WORD.weakCompareAndSetAcquire(chunk, i, f, f | LOCK)) {
            return f;
        }
        return lockSlow(chunk, i);
    }

    private static long lockSlow(long[] chunk, int i) {
        int spins = 0;
        for (;;) {
            long f = (long) WORD.getVolatile(chunk, i);
            if ((f & LOCK) == 0) {
                if (WORD.compareAndSet(chunk, i, f, f | LOCK)) {
                    return f;
                }
                continue;
            }
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else if (spins < 2 * SPINS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    /** zram_slot_trylock(): the flags word (lock bit clear), or -1 when someone holds the lock. */
    static long tryLock(long[] chunk, int base) {
        int i = base + FLAGS;
        long f = (long) WORD.getVolatile(chunk, i);
        if ((f & LOCK) == 0 && WORD.compareAndSet(chunk, i, f, f | LOCK)) {
            return f;
        }
        return -1;
    }

    /** zram_slot_unlock(): publishes {@code flags} (the lock bit is cleared). */
    static void unlock(long[] chunk, int base, long flags) {
        WORD.setRelease(chunk, base + FLAGS, flags & ~LOCK);
    }

    /** A racy snapshot of the flags word (block-status queries, tests). */
    static long peekFlags(long[] chunk, int base) {
        return (long) WORD.getAcquire(chunk, base + FLAGS) & ~LOCK;
    }

    // ---- words (caller holds the slot lock) -----------------------------------------------------

    static long handle(long[] chunk, int base) {
        return chunk[base + HANDLE];
    }

    static void setHandle(long[] chunk, int base, long handle) {
        chunk[base + HANDLE] = handle;
    }

    static long acTime(long[] chunk, int base) {
        return chunk[base + AC_TIME];
    }

    static void setAcTime(long[] chunk, int base, long nanos) {
        chunk[base + AC_TIME] = nanos;
    }

    // ---- flag word helpers ----------------------------------------------------------------------

    static int size(long flags) {
        return (int) (flags & SIZE_MASK);
    }

    static long withSize(long flags, int size) {
        return (flags & ~SIZE_MASK) | size;
    }

    static int priority(long flags) {
        return (int) ((flags & PRIO_MASK) >>> PRIO_SHIFT);
    }

    static long withPriority(long flags, int prio) {
        return (flags & ~PRIO_MASK) | ((long) prio << PRIO_SHIFT);
    }

    /** zram_allocated(): the slot holds a page (an object, a same-filled word, or a backing block). */
    static boolean allocated(long flags) {
        return (flags & SIZE_MASK) != 0 || (flags & (SAME | WB)) != 0;
    }
}
