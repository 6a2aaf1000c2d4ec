// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * A zsmalloc pool (mm/zsmalloc.c: {@code zs_create_pool}, {@code zs_malloc}, {@code zs_free},
 * {@code zs_obj_read_begin}/{@code zs_obj_write}, {@code zs_compact}, {@code zs_get_total_pages},
 * {@code zs_huge_class_size}, {@code zs_destroy_pool}) over off-heap memory.
 *
 * <p>Objects of 1..4096 bytes live in size classes 16 bytes apart ({@link SizeClassTable}); a
 * class's zspages are runs of 1..8 contiguous pages from a {@link PageAllocator}. A handle names
 * an object for its whole life; compaction moves objects and updates the handle's entry.
 * {@link #totalPages()} counts the pages of all zspages ({@code mem_used_total} = that × 4096);
 * it is a volatile read, cheap enough for zram to check mem_limit after every allocation. The
 * pool does not enforce a limit itself.
 *
 * <p>Locking rules:
 * <ol>
 *   <li>Each size class has its own lock, taken by {@link #malloc}, {@link #free} and, per class,
 *       by {@link #compact}. There is no pool-wide lock on these paths; classes never take each
 *       other's locks.</li>
 *   <li>Under a class lock the page allocator's lock may be taken (a zspage is created or freed).
 *       Never the other way round.</li>
 *   <li>{@link #map}, {@link #read} and {@link #write} take no class lock. Where the kernel takes
 *       {@code read_lock(&pool->lock)} and then the zspage's read lock for every access (two
 *       writes to words every reader of the pool, or of the zspage, shares), an access here first
 *       counts itself in its thread's own padded cell of {@link #fastReaders} and checks that no
 *       compaction is running ({@link #compactors} = 0): then it reads the handle's entry
 *       (acquire) and uses the object in place, and uncounts itself at the end. Two threads
 *       reading objects of one zspage (two writers' pages interleave in the zspages they fill)
 *       then share no cache line that either writes. It is the reader side of a
 *       {@code percpu_rw_semaphore} (kernel/locking/percpu-rwsem.c): both sides are full fences
 *       (Dekker), so either the access sees the compaction or the compaction sees the access.
 *       While a compaction runs, accesses take the slow path: read the entry, read-lock that
 *       zspage, re-read the entry, retry if the object moved. A mapped object cannot move:
 *       compaction write-try-locks a source zspage and skips (ends that class's pass) when anyone
 *       maps an object in it. Mapping for write (after {@link #malloc}) uses the same locks: they
 *       exclude migration, not other mappers.</li>
 *   <li>{@link #compact} raises {@link #compactors} and waits until no access is counted on the
 *       fast path (accesses are short: one copy or one decompression) before it moves anything,
 *       and holds no lock while it waits. It holds the class lock while it moves objects, so
 *       allocations and frees of that class wait, those of other classes and all mappings of
 *       objects it is not moving run on; it yields the lock between source zspages when other
 *       threads queue for it. A thread must not compact while it holds a mapping (zram never
 *       does).</li>
 *   <li>The caller must not free a handle that some thread has mapped or will map concurrently
 *       (zram's slot lock guarantees this), and must not call {@link #close()} concurrently with
 *       any other method.</li>
 * </ol>
 */
public final class ZsPool implements AutoCloseable {
    /** Default chunk size: 512 pages = 2 MiB. */
    public static final int DEFAULT_PAGES_PER_CHUNK = 512;
    /** Default number of empty chunks kept as spares instead of being given back. */
    public static final int DEFAULT_RETAINED_EMPTY_CHUNKS = 1;

    private static final int SPINS_BEFORE_YIELD = 64;
    /** Fast-path access counts: one cell per thread (its id modulo CELLS), 16 longs = 128 bytes apart. */
    private static final int CELLS = 64;
    private static final int STRIDE = 16;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final String name;
    private final SizeClassTable table = SizeClassTable.kernelDefault();
    private final PageAllocator pages;
    /** By class index (0..254); merged indices share one SizeClass. */
    private final SizeClass[] classByIndex = new SizeClass[SizeClassTable.CLASS_INDICES];
    /** Distinct classes, biggest first (the order the kernel compacts them in). */
    private final SizeClass[] distinctClasses;
    private final AtomicLong pagesCompacted = new AtomicLong();
    /** Accesses in progress on the fast path, by thread cell (see the class comment). */
    private final long[] fastReaders = new long[CELLS * STRIDE + STRIDE];
    /** Compactions running: while above 0, accesses take the zspage locks. */
    private final AtomicInteger compactors = new AtomicInteger();
    private volatile boolean closed;

    /** A pool with 2 MiB chunks that keeps one empty chunk as a spare, on a machine of its own that keeps no free pages. */
    public ZsPool(String name) {
        this(name, DEFAULT_PAGES_PER_CHUNK, DEFAULT_RETAINED_EMPTY_CHUNKS);
    }

    /** A pool with 2 MiB chunks that keeps one empty chunk as a spare, taking its memory from {@code machine}'s free pages. */
    public ZsPool(String name, FreePages machine) {
        this(name, DEFAULT_PAGES_PER_CHUNK, DEFAULT_RETAINED_EMPTY_CHUNKS, machine);
    }

    /**
     * A pool on a machine of its own that keeps no free pages (chunks come from the OS and go back to it).
     *
     * @param name the pool's name (zram uses the device name)
     * @param pagesPerChunk pages per native chunk: a power of two, at least 64
     * @param retainedEmptyChunks empty chunks kept instead of given back (0 = give back at once)
     */
    public ZsPool(String name, int pagesPerChunk, int retainedEmptyChunks) {
        this(name, pagesPerChunk, retainedEmptyChunks, new FreePages(0));
    }

    /**
     * @param name the pool's name (zram uses the device name)
     * @param pagesPerChunk pages per native chunk: a power of two, at least 64
     * @param retainedEmptyChunks empty chunks kept instead of given back to the machine (0 = give back at once)
     * @param machine the machine's free pages the chunks come from and go back to
     */
    public ZsPool(String name, int pagesPerChunk, int retainedEmptyChunks, FreePages machine) {
        this.name = name;
        this.pages = new PageAllocator(pagesPerChunk, retainedEmptyChunks, machine);
        List<SizeClass> distinct = new ArrayList<>();
        for (int i = SizeClassTable.CLASS_INDICES - 1; i >= 0; i--) {
            int owner = table.mergedInto(i);
            if (owner == i) {
                SizeClass c = new SizeClass(i, table.size(i), table.pagesPerZspage(i), table.objsPerZspage(i), pages);
                classByIndex[i] = c;
                distinct.add(c);
            } else {
                classByIndex[i] = classByIndex[owner];
            }
        }
        this.distinctClasses = distinct.toArray(new SizeClass[0]);
    }

    public String name() {
        return name;
    }

    /** zs_huge_class_size(): compressed lengths from this size on are stored raw by zram (3625). */
    public int hugeClassSize() {
        return table.hugeClassSize();
    }

    /** The size-class rules this pool uses. */
    public SizeClassTable sizeClasses() {
        return table;
    }

    /**
     * zs_lookup_class_index(): the class index an object of {@code size} bytes is looked up under
     * (without the handle header, as the kernel's helper does); zram's recompression compares these.
     */
    public int lookupClassIndex(int size) {
        return table.indexFor(size);
    }

    /**
     * zs_malloc(): allocates an object of {@code size} bytes.
     *
     * @return a non-zero handle
     * @throws ErrnoException EINVAL for size 0, ENOSPC above 4096 bytes, ENOMEM when no native
     *     memory can be reserved
     */
    public long malloc(int size) {
        if (size <= 0) {
            throw new ErrnoException(Errno.EINVAL, "zs_malloc of " + size + " bytes");
        }
        if (size > SizeClassTable.MAX_ALLOC_SIZE) {
            throw new ErrnoException(Errno.ENOSPC, "zs_malloc of " + size + " bytes, more than a page");
        }
        ensureOpen();
        return classByIndex[table.indexFor(size + SizeClassTable.HANDLE_SIZE)].allocate();
    }

    /** zs_free(): frees the object; the handle becomes invalid. */
    public void free(long handle) {
        ensureOpen();
        classOf(handle).free(handle);
    }

    /** Bytes the object of {@code handle} can hold (its class size less the handle header). */
    public int capacity(long handle) {
        return classOf(handle).capacity();
    }

    /**
     * Maps the object for reading or writing: fills {@code mapping} with the chunk view and the
     * object's offset and holds the object in place until {@link #unmap}. Allocates nothing.
     */
    public void map(long handle, ZsMapping mapping) {
        if (mapping.zspage != null) {
            throw new IllegalStateException("mapping already holds handle " + mapping.handle);
        }
        ensureOpen();
        SizeClass c = classOf(handle);
        long slot = handle >>> 8;
        int cell = enterFast();
        long loc;
        try {
            loc = cell >= 0 ? entryOf(c, slot, handle) : lockObject(c, slot, handle);
        } catch (RuntimeException e) {
            exitFast(cell);
            throw e;
        }
        Zspage z = c.zspage(loc);
        mapping.zspage = z;
        mapping.fastCell = cell;
        mapping.handle = handle;
        mapping.buffer = z.view;
        mapping.offset = c.payloadOffset(z, loc);
        mapping.capacity = c.capacity();
    }

    /** Releases a mapping taken by {@link #map}; the cursor can be reused. */
    public void unmap(ZsMapping mapping) {
        Zspage z = mapping.zspage;
        if (z == null) {
            throw new IllegalStateException("mapping is not mapped");
        }
        int cell = mapping.fastCell;
        mapping.clear();
        if (cell >= 0) {
            exitFast(cell);
        } else {
            z.readUnlock();
        }
    }

    /** zs_obj_write(): copies {@code length} bytes from {@code src} (absolute offset) into the object. */
    public void write(long handle, ByteBuffer src, int srcOffset, int length) {
        ensureOpen();
        SizeClass c = classOf(handle);
        checkLength(c, length);
        int cell = enterFast();
        Zspage z = null;
        try {
            long loc = cell >= 0 ? entryOf(c, handle >>> 8, handle) : lockObject(c, handle >>> 8, handle);
            z = c.zspage(loc);
            z.view.put(c.payloadOffset(z, loc), src, srcOffset, length);
        } finally {
            leave(cell, z);
        }
    }

    /** zs_obj_read_begin/end with a copy: reads {@code length} bytes of the object into {@code dst}. */
    public void read(long handle, ByteBuffer dst, int dstOffset, int length) {
        ensureOpen();
        SizeClass c = classOf(handle);
        checkLength(c, length);
        int cell = enterFast();
        Zspage z = null;
        try {
            long loc = cell >= 0 ? entryOf(c, handle >>> 8, handle) : lockObject(c, handle >>> 8, handle);
            z = c.zspage(loc);
            dst.put(dstOffset, z.view, c.payloadOffset(z, loc), length);
        } finally {
            leave(cell, z);
        }
    }

    /**
     * zs_compact(): moves objects between zspages of each class so that emptied zspages can be
     * freed. Returns the pages freed by this call; they are also added to {@link #pagesCompacted()}.
     */
    public long compact() {
        ensureOpen();
        long freed = 0;
        compactors.incrementAndGet();
        try {
            drainFastReaders();
            for (SizeClass c : distinctClasses) {
                freed += c.compact();
            }
        } finally {
            compactors.decrementAndGet();
        }
        pagesCompacted.addAndGet(freed);
        return freed;
    }

    /** Cumulative pages freed by compaction (zs_pool_stats.pages_compacted). */
    public long pagesCompacted() {
        return pagesCompacted.get();
    }

    /** zs_get_total_pages(): pages held by zspages. A volatile read. */
    public long totalPages() {
        return pages.allocatedPages();
    }

    /** Native bytes this pool holds now (whole chunks, spares included), taken from the machine's free pages; 0 once closed. */
    public long reservedBytes() {
        return pages.reservedBytes();
    }

    /** Native chunks currently reserved. */
    public int liveChunks() {
        return pages.liveChunks();
    }

    /** Pages per native chunk. */
    public int pagesPerChunk() {
        return pages.pagesPerChunk();
    }

    /** A snapshot of every distinct class, biggest first (the debugfs {@code classes} table). */
    public List<ZsClassStats> classStats() {
        List<ZsClassStats> out = new ArrayList<>(distinctClasses.length);
        for (SizeClass c : distinctClasses) {
            out.add(c.stats());
        }
        return out;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * zs_destroy_pool(): gives every chunk back to the machine's free pages (which keep them mapped
     * up to their reserve limit and give the rest to the OS) and waits until Chronicle's background
     * releaser has freed what went to the OS, so {@link #reservedBytes()} drops to 0 and
     * Chronicle's native memory count by what the machine did not keep, at once. Live objects are
     * dropped with their chunks. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pages.close();
        BackgroundResourceReleaser.releasePendingResources();
    }

    // ---- internals ------------------------------------------------------------------------------

    /** The calling thread's cell in {@link #fastReaders}. */
    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+
    private static int cellOf(Thread t) {
        return (int) (t.getId() & (CELLS - 1)) * STRIDE + STRIDE;
    }

    /**
     * Counts an access on the fast path and returns its cell, or returns -1 (counting nothing)
     * while a compaction runs: the caller then takes the zspage locks.
     */
    private int enterFast() {
        int cell = cellOf(Thread.currentThread());
        CELL.getAndAdd(fastReaders, cell, 1L); // a full fence: the load below cannot pass it
        if (compactors.get() == 0) {
            return cell;
        }
        CELL.getAndAdd(fastReaders, cell, -1L);
        return -1;
    }

    private void exitFast(int cell) {
        if (cell >= 0) {
            CELL.getAndAdd(fastReaders, cell, -1L);
        }
    }

    /** Ends an access begun with {@link #enterFast}: uncounts it, or read-unlocks the zspage of the slow path. */
    private void leave(int cell, Zspage locked) {
        if (cell >= 0) {
            exitFast(cell);
        } else if (locked != null) {
            locked.readUnlock();
        }
    }

    /** Compaction's side: waits (without a lock) until no access is counted on the fast path. */
    private void drainFastReaders() {
        for (int spins = 0; fastAccesses() != 0; spins++) {
            if (spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000); // accesses last microseconds: this is rare
            }
        }
    }

    /** Accesses counted on the fast path now. */
    private long fastAccesses() {
        long sum = 0;
        for (int i = STRIDE; i < fastReaders.length; i += STRIDE) {
            sum += (long) CELL.getVolatile(fastReaders, i);
        }
        return sum;
    }

    /** The handle's location on the fast path (no compaction can run: its entry is stable). */
    private static long entryOf(SizeClass c, long slot, long handle) {
        long loc = c.entryAcquire(slot);
        if (loc < 0) {
            throw new IllegalStateException("handle " + handle + " is not allocated");
        }
        return loc;
    }

    /** Resolves the handle and read-locks its zspage; returns the (now stable) location. */
    private static long lockObject(SizeClass c, long slot, long handle) {
        int spins = 0;
        for (;;) {
            long loc = c.entryAcquire(slot);
            if (loc < 0) {
                throw new IllegalStateException("handle " + handle + " is not allocated");
            }
            Zspage z = c.zspage(loc);
            if (z.tryReadLock()) {
                if (c.entryAcquire(slot) == loc) {
                    return loc;
                }
                z.readUnlock();
            } else if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private SizeClass classOf(long handle) {
        if (handle <= 0xFF) {
            throw new IllegalArgumentException("not a pool handle: " + handle);
        }
        SizeClass c = classByIndex[(int) (handle & 0xFF)];
        if (c == null || c.index != (int) (handle & 0xFF)) {
            throw new IllegalArgumentException("not a pool handle: " + handle);
        }
        return c;
    }

    private static void checkLength(SizeClass c, int length) {
        if (length < 0 || length > c.capacity()) {
            throw new IndexOutOfBoundsException("length " + length + " outside object capacity " + c.capacity());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("pool " + name + " is closed");
        }
    }
}
