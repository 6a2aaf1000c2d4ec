// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import io.jzram.kernel.locking.GuardedBy;
import io.jzram.kernel.locking.RawSpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One size class of the pool: {@code struct size_class} of mm/zsmalloc.c with its zspages, its
 * fullness lists, and (unlike the kernel, which keeps handles in a slab cache) its own handle
 * table, so that everything an allocation or a free touches is guarded by this class's lock.
 *
 * <p>Fullness groups as in the kernel: 0 = empty, 1..10 = in use, by tenths of objs_per_zspage
 * ({@code ratio / 10 + 1}), 11 = full. Allocation takes the fullest zspage that has room;
 * compaction moves objects from the emptiest zspage into the fullest one.
 *
 * <p>Object layout: in a class with more than one object per zspage every object starts with an
 * 8-byte header ({@code ZS_HANDLE_SIZE}): {@code handle << 1 | 1} while allocated, {@code
 * (next free index + 1) << 1} while free (the kernel's {@code link_free}/{@code OBJ_ALLOCATED_TAG}).
 * Compaction finds the live objects of a zspage and their handles from these headers. In a class
 * of one object per zspage (the huge class) the object fills its page and the handle lives in
 * {@link Zspage#hugeHandle}, like the kernel's huge zspages.
 *
 * <p>Handle table: {@code entries[slot]} is the object's location {@code zspageId << 16 | index}
 * while allocated (non-negative) or a free-list link (negative) while free. Handles are
 * {@code slot << 8 | classIndex}.
 *
 * <p>Locking: {@link #lock}, a raw spinlock as the kernel's {@code class->lock} (sections are a
 * few hundred nanoseconds; a sleeping lock's park/unpark made two writers on two CPUs scale 1.70x
 * instead of 1.85x in PageBenchmark), guards every field of this class and of its zspages except
 * the zspage lock word. Handle entries and the zspage table are additionally published with release/volatile
 * writes so that {@link ZsPool#map} can resolve a handle without the class lock; it then takes the
 * zspage's read lock and re-checks the entry (see {@link ZsPool}). Lock order: class lock, then the
 * page allocator's lock. The methods that run with the lock held (the allocation, list and handle
 * table helpers, compaction's steps) check it with {@link RawSpinLock#assertLocked()}
 * ({@code assert_spin_locked()}: one load of the lock word, which the holder has in cache).
 */
final class SizeClass {
    static final int FULLNESS_EMPTY = 0;
    static final int FULLNESS_FULL = 11;
    static final int FULLNESS_GROUPS = 12;

    static final int SEGMENT_SHIFT = 12;
    static final int SEGMENT_SIZE = 1 << SEGMENT_SHIFT;
    static final int INDEX_BITS = 16;
    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    private static final long FREE_TAG = Long.MIN_VALUE;

    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    final int index;
    final int size;
    final int pagesPerZspage;
    final int objsPerZspage;
    /** One object per zspage: no in-memory header, the object may fill the whole zspage. */
    final boolean hugePages;
    final int headerSize;

    final RawSpinLock lock = new RawSpinLock();
    private final PageAllocator pages;

    @GuardedBy("class->lock")
    private final Zspage[] fullnessHeads = new Zspage[FULLNESS_GROUPS];
    /** Zspage table by id, read without the lock by map(). */
    @GuardedBy("class->lock (write)")
    private volatile Zspage[] zspagesById = new Zspage[8];
    @GuardedBy("class->lock")
    private int nextZspageId;
    @GuardedBy("class->lock")
    private Zspage unusedZspages;

    /** Handle table segments, read without the lock by map(). */
    @GuardedBy("class->lock (write)")
    private volatile long[][] segments = new long[1][];
    /** Slots [0, nextSlot) have been handed out at least once; slot 0 is never used. */
    @GuardedBy("class->lock")
    private long nextSlot = 1;
    @GuardedBy("class->lock")
    private long freeSlotHead = -1;

    @GuardedBy("class->lock")
    private long zspageCount;
    @GuardedBy("class->lock")
    private long objsUsed;

    SizeClass(int index, int size, int pagesPerZspage, int objsPerZspage, PageAllocator pages) {
        this.index = index;
        this.size = size;
        this.pagesPerZspage = pagesPerZspage;
        this.objsPerZspage = objsPerZspage;
        this.hugePages = objsPerZspage == 1;
        this.headerSize = hugePages ? 0 : SizeClassTable.HANDLE_SIZE;
        this.pages = pages;
    }

    /** Bytes an object of this class can hold. */
    int capacity() {
        return size - headerSize;
    }

    // ---- allocation ---------------------------------------------------------------------------

    /** zs_malloc() for this class. */
    long allocate() {
        lock.lock();
        try {
            long slot = takeSlot();
            Zspage z = fullestWithRoom();
            if (z == null) {
                try {
                    z = newZspage();
                } catch (RuntimeException | Error e) {
                    releaseSlot(slot);
                    throw e;
                }
            } else {
                unlink(z);
            }
            long handle = slot << 8 | index;
            int idx = takeObject(z);
            if (hugePages) {
                z.hugeHandle = handle;
            } else {
                z.view.putLong(objectOffset(z, idx), handle << 1 | 1);
            }
            objsUsed++;
            setEntry(slot, location(z, idx));
            insert(z);
            return handle;
        } finally {
            lock.unlock();
        }
    }

    /** zs_free() for this class. */
    void free(long handle) {
        long slot = handle >>> 8;
        lock.lock();
        try {
            long loc = entryLocked(slot);
            if (loc < 0) {
                throw new IllegalStateException("free of a handle that is not allocated: " + handle);
            }
            Zspage z = zspagesById[(int) (loc >>> INDEX_BITS)];
            int idx = (int) (loc & INDEX_MASK);
            releaseSlot(slot);
            unlink(z);
            putObject(z, idx);
            objsUsed--;
            if (z.inuse == 0) {
                freeZspage(z);
            } else {
                insert(z);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- lock-free handle resolution (for ZsPool.map) -----------------------------------------

    /** The handle's current location, read with acquire semantics; negative if not allocated. */
    long entryAcquire(long slot) {
        long[][] segs = segments;
        int s = (int) (slot >>> SEGMENT_SHIFT);
        if (s >= segs.length || segs[s] == null) {
            return -1;
        }
        return (long) ENTRY.getAcquire(segs[s], (int) (slot & (SEGMENT_SIZE - 1)));
    }

    Zspage zspage(long loc) {
        return zspagesById[(int) (loc >>> INDEX_BITS)];
    }

    /** Absolute offset in the zspage's view of the object's payload (after the header). */
    int payloadOffset(Zspage z, long loc) {
        return objectOffset(z, (int) (loc & INDEX_MASK)) + headerSize;
    }

    // ---- compaction -----------------------------------------------------------------------------

    /** zs_can_compact(): pages that moving objects could free in this class. Class lock held. */
    long pagesFreeable() {
        lock.assertLocked();
        long allocated = zspageCount * objsPerZspage;
        long wasted = (allocated - objsUsed) / objsPerZspage;
        return wasted * pagesPerZspage;
    }

    /**
     * __zs_compact() for this class: move objects from the emptiest zspages into the fullest ones
     * and free the zspages that empty out. Returns the pages freed.
     */
    long compact() {
        if (hugePages) {
            return 0;
        }
        long freed = 0;
        lock.lock();
        try {
            Zspage dst = null;
            while (pagesFreeable() > 0) {
                if (dst == null) {
                    dst = isolate(true);
                    if (dst == null) {
                        break;
                    }
                }
                Zspage src = isolate(false);
                if (src == null) {
                    break;
                }
                if (!src.tryWriteLock()) {
                    // someone maps an object of src: leave this class for now, as the kernel does
                    putBack(src);
                    break;
                }
                try {
                    migrate(src, dst);
                } finally {
                    src.writeUnlock();
                }
                src.isolated = false;
                if (src.inuse == 0) {
                    freeZspage(src);
                    freed += pagesPerZspage;
                } else {
                    insert(src);
                }
                if (dst.inuse == objsPerZspage || lock.isContended()) {
                    putBack(dst);
                    dst = null;
                    if (lock.isContended()) {
                        lock.unlock();
                        Thread.yield();
                        lock.lock();
                    }
                }
            }
            if (dst != null) {
                putBack(dst);
            }
        } finally {
            lock.unlock();
        }
        return freed;
    }

    /** Moves live objects of src into free slots of dst until src is empty or dst is full. */
    private void migrate(Zspage src, Zspage dst) {
        lock.assertLocked();
        ByteBuffer from = src.view;
        for (int idx = 0; idx < objsPerZspage && src.inuse > 0 && dst.freeHead >= 0; idx++) {
            int srcOff = objectOffset(src, idx);
            long header = from.getLong(srcOff);
            if ((header & 1) == 0) {
                continue;
            }
            long handle = header >>> 1;
            int dIdx = takeObject(dst);
            dst.view.put(objectOffset(dst, dIdx), from, srcOff, size);
            setEntry(handle >>> 8, location(dst, dIdx));
            putObject(src, idx);
        }
    }

    /** Takes the fullest (dst) or emptiest (src) zspage that is neither empty nor full off its list. */
    private Zspage isolate(boolean fullest) {
        lock.assertLocked();
        for (int i = 1; i < FULLNESS_FULL; i++) {
            int g = fullest ? FULLNESS_FULL - i : i;
            Zspage z = fullnessHeads[g];
            if (z != null) {
                unlink(z);
                z.isolated = true;
                return z;
            }
        }
        return null;
    }

    private void putBack(Zspage z) {
        z.isolated = false;
        insert(z);
    }

    // ---- zspages ------------------------------------------------------------------------------

    private Zspage newZspage() {
        lock.assertLocked();
        int first = pages.allocate(pagesPerZspage);
        Zspage z = unusedZspages;
        if (z != null) {
            unusedZspages = z.next;
            z.next = null;
        } else {
            Zspage[] table = zspagesById;
            if (nextZspageId == table.length) {
                if ((long) nextZspageId << INDEX_BITS > (Long.MAX_VALUE >>> 1)) {
                    pages.free(first, pagesPerZspage);
                    throw new IllegalStateException("zspage id space exhausted");
                }
                table = Arrays.copyOf(table, table.length * 2);
            }
            z = new Zspage(nextZspageId);
            table[nextZspageId++] = z;
            zspagesById = table;
        }
        PageAllocator.Chunk chunk = pages.chunkOf(first);
        z.firstPage = first;
        z.view = chunk.view;
        z.base = pages.offsetOf(first);
        z.inuse = 0;
        z.isolated = false;
        z.hugeHandle = 0;
        z.freeHead = 0;
        if (!hugePages) {
            for (int i = 0; i < objsPerZspage; i++) {
                int next = i + 1 < objsPerZspage ? i + 1 : -1;
                z.view.putLong(objectOffset(z, i), (long) (next + 1) << 1);
            }
        }
        z.fullness = FULLNESS_EMPTY;
        zspageCount++;
        return z;
    }

    private void freeZspage(Zspage z) {
        lock.assertLocked();
        pages.free(z.firstPage, pagesPerZspage);
        z.firstPage = -1;
        z.view = null;
        z.freeHead = -1;
        z.hugeHandle = 0;
        z.prev = null;
        z.next = unusedZspages;
        unusedZspages = z;
        zspageCount--;
    }

    private int takeObject(Zspage z) {
        int idx = z.freeHead;
        if (idx < 0) {
            throw new IllegalStateException("zspage " + z.id + " of class " + size + " is full");
        }
        if (hugePages) {
            z.freeHead = -1;
        } else {
            long link = z.view.getLong(objectOffset(z, idx));
            if ((link & 1) != 0) {
                throw new IllegalStateException("free list of zspage " + z.id + " points at a live object");
            }
            z.freeHead = (int) (link >>> 1) - 1;
        }
        z.inuse++;
        return idx;
    }

    private void putObject(Zspage z, int idx) {
        if (hugePages) {
            z.hugeHandle = 0;
        } else {
            z.view.putLong(objectOffset(z, idx), (long) (z.freeHead + 1) << 1);
        }
        z.freeHead = idx;
        z.inuse--;
    }

    private int objectOffset(Zspage z, int idx) {
        return z.base + idx * size;
    }

    private static long location(Zspage z, int idx) {
        return (long) z.id << INDEX_BITS | idx;
    }

    // ---- fullness lists -------------------------------------------------------------------------

    private int fullnessOf(Zspage z) {
        if (z.inuse == 0) {
            return FULLNESS_EMPTY;
        }
        if (z.inuse == objsPerZspage) {
            return FULLNESS_FULL;
        }
        return 100 * z.inuse / objsPerZspage / 10 + 1;
    }

    private Zspage fullestWithRoom() {
        for (int g = FULLNESS_FULL - 1; g >= FULLNESS_EMPTY; g--) {
            if (fullnessHeads[g] != null) {
                return fullnessHeads[g];
            }
        }
        return null;
    }

    /** Puts z on the list of its current fullness group (z must not be on a list). */
    private void insert(Zspage z) {
        lock.assertLocked();
        int g = fullnessOf(z);
        z.fullness = g;
        Zspage head = fullnessHeads[g];
        z.prev = null;
        z.next = head;
        if (head != null) {
            head.prev = z;
        }
        fullnessHeads[g] = z;
    }

    /** Takes z off its fullness list (no-op for an isolated zspage). */
    private void unlink(Zspage z) {
        lock.assertLocked();
        if (z.isolated) {
            return;
        }
        if (z.prev != null) {
            z.prev.next = z.next;
        } else if (fullnessHeads[z.fullness] == z) {
            fullnessHeads[z.fullness] = z.next;
        }
        if (z.next != null) {
            z.next.prev = z.prev;
        }
        z.prev = null;
        z.next = null;
    }

    // ---- handle table -----------------------------------------------------------------------------

    private long takeSlot() {
        lock.assertLocked();
        long slot = freeSlotHead;
        if (slot >= 0) {
            long link = entryLocked(slot);
            freeSlotHead = (link & 0xFFFF_FFFF_FFFFL) - 1;
            return slot;
        }
        slot = nextSlot++;
        int s = (int) (slot >>> SEGMENT_SHIFT);
        long[][] segs = segments;
        if (s >= segs.length) {
            segs = Arrays.copyOf(segs, Math.max(s + 1, segs.length * 2));
        }
        if (segs[s] == null) {
            segs[s] = new long[SEGMENT_SIZE];
            segments = segs;
        }
        return slot;
    }

    private void releaseSlot(long slot) {
        lock.assertLocked();
        setEntry(slot, FREE_TAG | (freeSlotHead + 1));
        freeSlotHead = slot;
    }

    private long entryLocked(long slot) {
        long[][] segs = segments;
        int s = (int) (slot >>> SEGMENT_SHIFT);
        if (slot <= 0 || s >= segs.length || segs[s] == null || slot >= nextSlot) {
            return -1;
        }
        return segs[s][(int) (slot & (SEGMENT_SIZE - 1))];
    }

    private void setEntry(long slot, long value) {
        ENTRY.setRelease(segments[(int) (slot >>> SEGMENT_SHIFT)], (int) (slot & (SEGMENT_SIZE - 1)), value);
    }

    // ---- statistics -------------------------------------------------------------------------------

    ZsClassStats stats() {
        lock.lock();
        try {
            int[] perGroup = new int[FULLNESS_GROUPS];
            for (int g = 0; g < FULLNESS_GROUPS; g++) {
                for (Zspage z = fullnessHeads[g]; z != null; z = z.next) {
                    perGroup[g]++;
                }
            }
            return new ZsClassStats(index, size, pagesPerZspage, objsPerZspage, zspageCount,
                    zspageCount * objsPerZspage, objsUsed, zspageCount * pagesPerZspage, pagesFreeable(), perGroup);
        } finally {
            lock.unlock();
        }
    }
}
