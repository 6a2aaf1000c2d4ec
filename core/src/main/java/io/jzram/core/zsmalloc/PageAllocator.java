// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The page source under a {@link ZsPool}: what {@code alloc_page()}/{@code __free_page()} are to
 * mm/zsmalloc.c, over the machine's {@link FreePages} (the buddy allocator's role). Native memory is
 * taken lazily in chunks (2 MiB by default: one block of the machine's free pages) and carved into
 * 4 KiB pages. A zspage is a run of 1..8 contiguous pages inside one chunk, so every object is
 * contiguous in its chunk's ByteBuffer view and codecs read and write it in place.
 *
 * <p>Placement: first fit, lowest chunk first, so that live data gathers in the low chunks and
 * the high ones can empty out. For each run length n = 1..8 a bitmap over chunk indices says which
 * chunks have a free run of at least n pages, so finding a place costs a few word scans. A chunk
 * whose pages are all free again goes back to the machine's free pages (which keep it mapped for
 * the next pool, or give it to the OS, see {@link FreePages}), except that up to
 * {@code retainedEmptyChunks} empty chunks are kept as spares to avoid taking and giving the same
 * 2 MiB over and over at a boundary. {@link #close()} gives every chunk back to the machine.
 *
 * <p>Each chunk's ByteBuffer view is made once, when the machine first reserves its block
 * (Chronicle's {@code toTemporaryDirectByteBuffer()}: a direct buffer over the store's address,
 * kept alive by the block); it is in native byte order and shared by all threads, so it must only
 * be used with absolute-index operations.
 *
 * <p>Locking: one lock (a zone lock's role for this pool) guards the chunk table and bitmaps; it is
 * taken once per zspage allocated or freed, never per object; the machine's lock is taken inside it
 * once per chunk. {@link #allocatedPages()} and {@link #reservedBytes()} are volatile reads
 * without the lock.
 */
final class PageAllocator implements AutoCloseable {
    static final int PAGE_SIZE = SizeClassTable.PAGE_SIZE;
    static final int PAGE_SHIFT = 12;
    static final int MAX_RUN = SizeClassTable.MAX_PAGES_PER_ZSPAGE;

    /** One reserved region of {@code pagesPerChunk} pages. */
    static final class Chunk {
        final int index;
        final FreePages.Block block;
        final ByteBuffer view;
        final long[] used;
        int freePages;
        int maxRun;

        Chunk(int index, FreePages.Block block, int pages) {
            this.index = index;
            this.block = block;
            this.view = block.view;
            this.used = new long[pages >>> 6];
            this.freePages = pages;
        }
    }

    private final int pagesPerChunk;
    private final int chunkShift;
    private final int retainedEmptyChunks;
    private final FreePages machine;
    private final ReentrantLock lock = new ReentrantLock();

    /** Written under the lock; read without it by {@link #chunkOf}, hence volatile. */
    private volatile Chunk[] chunks = new Chunk[16];
    /** runBitmaps[n][w]: bit b set = chunk (w*64+b) has a free run of at least n pages (n = 1..8). */
    private final long[][] runBitmaps = new long[MAX_RUN + 1][];
    private final int[] firstWordHint = new int[MAX_RUN + 1];
    private int emptyChunks;
    private int liveChunks;
    private long chunksReserved;
    private long chunksReleased;
    private boolean closed;

    private volatile long allocatedPages;
    private volatile long reservedBytes;

    /** A page allocator whose chunks come from, and go back to, the OS directly (a machine of its own that keeps nothing). */
    PageAllocator(int pagesPerChunk, int retainedEmptyChunks) {
        this(pagesPerChunk, retainedEmptyChunks, new FreePages(0));
    }

    /**
     * @param pagesPerChunk pages per reserved chunk: a power of two, at least 64
     * @param retainedEmptyChunks how many fully free chunks to keep instead of giving back
     * @param machine the machine's free pages the chunks come from and go back to
     */
    PageAllocator(int pagesPerChunk, int retainedEmptyChunks, FreePages machine) {
        if (pagesPerChunk < 64 || Integer.bitCount(pagesPerChunk) != 1 || pagesPerChunk > (1 << 19)) {
            throw new IllegalArgumentException("pagesPerChunk must be a power of two in [64, 2^19]: " + pagesPerChunk);
        }
        if (retainedEmptyChunks < 0) {
            throw new IllegalArgumentException("retainedEmptyChunks < 0: " + retainedEmptyChunks);
        }
        this.pagesPerChunk = pagesPerChunk;
        this.chunkShift = Integer.numberOfTrailingZeros(pagesPerChunk);
        this.retainedEmptyChunks = retainedEmptyChunks;
        this.machine = java.util.Objects.requireNonNull(machine, "machine");
        for (int n = 1; n <= MAX_RUN; n++) {
            runBitmaps[n] = new long[1];
        }
    }

    int pagesPerChunk() {
        return pagesPerChunk;
    }

    /** Pages handed out and not yet freed. */
    long allocatedPages() {
        return allocatedPages;
    }

    /** Native bytes this allocator holds now (live chunks times chunk size), taken from the machine's free pages. */
    long reservedBytes() {
        return reservedBytes;
    }

    /** Chunks currently reserved. */
    int liveChunks() {
        lock.lock();
        try {
            return liveChunks;
        } finally {
            lock.unlock();
        }
    }

    /** Chunks reserved and released over the allocator's life: {reserved, released}. */
    long[] chunkCounters() {
        lock.lock();
        try {
            return new long[] {chunksReserved, chunksReleased};
        } finally {
            lock.unlock();
        }
    }

    /** The chunk holding {@code pageId}. The caller holds a reference that keeps the page allocated. */
    Chunk chunkOf(int pageId) {
        return chunks[pageId >>> chunkShift];
    }

    /** Byte offset of {@code pageId} inside its chunk's view. */
    int offsetOf(int pageId) {
        return (pageId & (pagesPerChunk - 1)) << PAGE_SHIFT;
    }

    /**
     * Allocates {@code n} contiguous pages (1..8) and returns the id of the first.
     *
     * @throws ErrnoException ENOMEM when no native memory can be reserved
     */
    int allocate(int n) {
        if (n < 1 || n > MAX_RUN) {
            throw new IllegalArgumentException("run of " + n + " pages");
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("page allocator closed");
            }
            int ci = firstChunkWithRun(n);
            Chunk c = ci >= 0 ? chunks[ci] : reserveChunk();
            int start = findRun(c.used, n);
            if (start < 0) {
                throw new AssertionError("chunk " + c.index + " advertised a run of " + n);
            }
            if (c.freePages == pagesPerChunk) {
                emptyChunks--;
            }
            setBits(c.used, start, n, true);
            c.freePages -= n;
            updateRuns(c);
            allocatedPages += n;
            return (c.index << chunkShift) | start;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the run of {@code n} pages starting at {@code pageId}. */
    void free(int pageId, int n) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            Chunk c = chunks[pageId >>> chunkShift];
            int start = pageId & (pagesPerChunk - 1);
            if (c == null || !bitsAll(c.used, start, n)) {
                throw new IllegalStateException("freeing pages that are not allocated: " + pageId + "+" + n);
            }
            setBits(c.used, start, n, false);
            c.freePages += n;
            allocatedPages -= n;
            if (c.freePages == pagesPerChunk) {
                if (emptyChunks >= retainedEmptyChunks) {
                    releaseChunk(c);
                    return;
                }
                emptyChunks++;
            }
            updateRuns(c);
        } finally {
            lock.unlock();
        }
    }

    /** Gives every chunk back to the machine. Pages still allocated are dropped with them. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Chunk c : chunks) {
                if (c != null) {
                    releaseChunk(c);
                }
            }
            allocatedPages = 0;
        } finally {
            lock.unlock();
        }
    }

    // ---- internals, all under lock -------------------------------------------------------

    private Chunk reserveChunk() {
        int ci = 0;
        while (ci < chunks.length && chunks[ci] != null) {
            ci++;
        }
        if ((long) (ci + 1) << chunkShift > Integer.MAX_VALUE) {
            throw new ErrnoException(Errno.ENOMEM, "page id space of the pool is exhausted");
        }
        long bytes = (long) pagesPerChunk << PAGE_SHIFT;
        FreePages.Block block = machine.take(chunkShift);
        if (ci >= chunks.length) {
            chunks = Arrays.copyOf(chunks, chunks.length * 2);
        }
        int words = (chunks.length + 63) >>> 6;
        for (int n = 1; n <= MAX_RUN; n++) {
            if (runBitmaps[n].length < words) {
                runBitmaps[n] = Arrays.copyOf(runBitmaps[n], words);
            }
        }
        Chunk c = new Chunk(ci, block, pagesPerChunk);
        chunks[ci] = c;
        liveChunks++;
        chunksReserved++;
        emptyChunks++;
        reservedBytes += bytes;
        updateRuns(c);
        return c;
    }

    private void releaseChunk(Chunk c) {
        chunks[c.index] = null;
        c.maxRun = 0;
        for (int n = 1; n <= MAX_RUN; n++) {
            runBitmaps[n][c.index >>> 6] &= ~(1L << c.index);
        }
        machine.give(c.block);
        liveChunks--;
        chunksReleased++;
        reservedBytes -= (long) pagesPerChunk << PAGE_SHIFT;
    }

    private int firstChunkWithRun(int n) {
        long[] bm = runBitmaps[n];
        for (int w = firstWordHint[n]; w < bm.length; w++) {
            long word = bm[w];
            if (word != 0) {
                firstWordHint[n] = w;
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
        }
        firstWordHint[n] = bm.length;
        return -1;
    }

    private void updateRuns(Chunk c) {
        int run = maxRun(c.used);
        c.maxRun = run;
        int w = c.index >>> 6;
        long bit = 1L << c.index;
        for (int n = 1; n <= MAX_RUN; n++) {
            if (n <= run) {
                runBitmaps[n][w] |= bit;
                if (w < firstWordHint[n]) {
                    firstWordHint[n] = w;
                }
            } else {
                runBitmaps[n][w] &= ~bit;
            }
        }
    }

    /** Mask of the positions in word {@code w} where a free run of {@code n} pages starts. */
    private static long runStarts(long[] used, int w, int n) {
        long free = ~used[w];
        long next = w + 1 < used.length ? ~used[w + 1] : 0L;
        long m = free;
        for (int k = 1; k < n && m != 0; k++) {
            m &= (free >>> k) | (next << (64 - k));
        }
        return m;
    }

    /** First page of a free run of {@code n} pages, or -1. */
    static int findRun(long[] used, int n) {
        for (int w = 0; w < used.length; w++) {
            long m = runStarts(used, w, n);
            if (m != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(m);
            }
        }
        return -1;
    }

    /** Length of the longest free run, capped at {@link #MAX_RUN}. */
    static int maxRun(long[] used) {
        int best = 0;
        for (int w = 0; w < used.length && best < MAX_RUN; w++) {
            long free = ~used[w];
            if (free == 0) {
                continue;
            }
            long next = w + 1 < used.length ? ~used[w + 1] : 0L;
            long m = free;
            int len = 1;
            while (len < MAX_RUN) {
                long m2 = m & ((free >>> len) | (next << (64 - len)));
                if (m2 == 0) {
                    break;
                }
                m = m2;
                len++;
            }
            best = Math.max(best, len);
        }
        return best;
    }

    private static void setBits(long[] bits, int start, int n, boolean value) {
        for (int i = start; i < start + n; i++) {
            if (value) {
                bits[i >>> 6] |= 1L << i;
            } else {
                bits[i >>> 6] &= ~(1L << i);
            }
        }
    }

    private static boolean bitsAll(long[] bits, int start, int n) {
        for (int i = start; i < start + n; i++) {
            if ((bits[i >>> 6] & (1L << i)) == 0) {
                return false;
            }
        }
        return true;
    }
}
