// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.zsmalloc.SizeClassTable;
import io.jzram.core.zsmalloc.ZsMapping;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice.BlockState;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;

/**
 * The data path: zram_drv.c's request handling ({@code zram_submit_bio}, {@code zram_bio_read},
 * {@code zram_bio_write}, {@code zram_bio_discard}, {@code zram_slot_free_notify}) and its page
 * functions ({@code zram_write_page}, {@code write_same_filled_page}, {@code zram_read_page},
 * {@code read_from_bdev}, {@code zram_free_page}).
 *
 * <p>A request enters the queue usage reference of the current meta (no global lock) and each
 * 4 KiB page is handled alone: a write checks for a same-filled page, compresses in the current
 * CPU's stream, stores a page whose compressed length reaches the huge class size raw, allocates
 * in the pool (then checks mem_limit), and publishes under the slot lock, freeing the old object
 * there. A read locks the slot and decompresses straight into the destination. Other byte ranges
 * are read-modify-write per page under the slot lock, through a per-thread scratch page. Aligned
 * pages allocate nothing.
 *
 * <p>Locking: no {@code init_lock}: the meta, the compressors, mem_limit and the backing file are
 * read from {@link ZramState} without it (they are published under it, and a request holds the
 * meta's usage reference, which a reset drains before freeing). The slot lock guards a slot: the
 * {@code *Locked} methods run with it held (the caller locked the slot and publishes the flags they
 * return). Order: slot lock, then a compression stream's mutex, then the pool's class locks; the
 * write path compresses and allocates without the slot lock and takes it only to publish.
 * Post-processing ({@link ZramWriteback}, {@link ZramRecompress}) uses {@link #readLocked} and
 * {@link #freeSlot} on slots it has locked.
 */
final class ZramDataPath {
    private static final int PAGE_SIZE = SlotTable.PAGE_SIZE;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    static final int HUGE_CLASS_SIZE = SizeClassTable.kernelDefault().hugeClassSize();
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** Pool handles fit below this bit; a stored object is returned as handle | size << SIZE_BIT. */
    private static final int SIZE_BIT = 50;

    private final ZramState z;
    private final ZramStats stats;
    private final PartStat partStat;
    private final ZramHost host;
    private final ThreadLocal<ByteBuffer> scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocate(PAGE_SIZE));

    ZramDataPath(ZramState z) {
        this.z = z;
        this.stats = z.stats;
        this.partStat = z.partStat;
        this.host = z.host;
    }

    // ---- requests ---------------------------------------------------------------------------------

    /**
     * Enters a request: checks the range against the capacity (beyond it: {@code outOfRange}, as
     * the block layer answers), takes the meta's usage reference. Returns null for an empty request.
     */
    private ZramMeta enter(long offset, long length, Errno outOfRange) throws ErrnoIOException {
        if (offset < 0 || length < 0) {
            throw new ErrnoIOException(Errno.EINVAL, "negative offset or length");
        }
        long cap = z.disksize();
        if (offset > cap || length > cap - offset) {
            if (z.device().closedEmbedded()) {
                throw z.device().closedIo();
            }
            throw new ErrnoIOException(outOfRange, z.name + ": [" + offset + ", +" + length + ") beyond the capacity " + cap);
        }
        if (length == 0) {
            if (z.device().closedEmbedded()) {
                throw z.device().closedIo();
            }
            return null;
        }
        ZramMeta m = z.meta();
        if (m == null) {
            if (z.device().closedEmbedded()) {
                throw z.device().closedIo();
            }
            throw new ErrnoIOException(outOfRange, z.name + " was reset");
        }
        if (!m.usage.tryGet()) {
            if (z.meta() == m && z.disksize() != 0 && m.uafReported.compareAndSet(false, true)) {
                z.kasan("use-after-free", "zram_submit_bio", m);
            }
            throw new ErrnoIOException(Errno.EIO, z.name + ": the device's memory was freed under it");
        }
        if (offset + length > m.disksize) {
            m.usage.put();
            throw new ErrnoIOException(outOfRange, z.name + ": beyond the capacity " + m.disksize);
        }
        return m;
    }

    void write(long offset, ByteBuffer src) throws IOException {
        transfer(PartStat.WRITE, offset, src);
    }

    void read(long offset, ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        transfer(PartStat.READ, offset, dst);
    }

    /**
     * zram_bio_write / zram_bio_read: the request page by page (whole pages take the fast path),
     * with the block layer's accounting; a failure counts in io_stat and completes the request with
     * the block layer's error. {@code dir} is constant in each caller, which the JIT inlines this into.
     */
    private void transfer(int dir, long offset, ByteBuffer buf) throws IOException {
        int len = buf.remaining();
        long t0 = System.nanoTime();
        ZramMeta m = enter(offset, len, dir == PartStat.WRITE ? Errno.ENOSPC : Errno.EIO);
        if (m == null) {
            return;
        }
        int pos = buf.position();
        try {
            partStat.start(t0, m.usage);
            long acTime = host.now(t0);
            Zcomp primary = dir == PartStat.WRITE ? z.comps()[ZramDevice.PRIMARY_COMP] : null;
            long off = offset;
            int p = pos;
            int rem = len;
            while (rem > 0) {
                long index = off >>> SlotTable.PAGE_SHIFT;
                int in = (int) (off & (PAGE_SIZE - 1));
                int n = Math.min(rem, PAGE_SIZE - in);
                if (dir == PartStat.READ) {
                    readPage(m, index, in, buf, p, n, acTime);
                } else if (n == PAGE_SIZE) {
                    writePage(m, primary, index, buf, p, acTime);
                } else {
                    writePartial(m, primary, index, in, buf, p, n, acTime);
                }
                off += n;
                p += n;
                rem -= n;
            }
        } catch (ErrnoException e) {
            if (dir == PartStat.READ) {
                stats.failedReads.increment();
                throw ioError(Errno.EIO, e);
            }
            stats.failedWrites.increment();
            throw ioError(e.errno() == Errno.ENOMEM ? Errno.ENOMEM : Errno.EIO, e);
        } finally {
            partStat.done(dir, len, t0, System.nanoTime(), m.usage);
            m.usage.put();
        }
        buf.position(pos + len);
    }

    /** See {@link ZramDevice#discard}. */
    void discard(long offset, long length) throws IOException {
        ZramMeta m = enter(offset, length, Errno.ENOSPC);
        if (m == null) {
            return;
        }
        try {
            freeRange(m, offset, length);
        } finally {
            m.usage.put();
        }
    }

    /** See {@link ZramDevice#writeZeroes}. */
    void writeZeroes(long offset, long length) throws IOException {
        ZramMeta m = enter(offset, length, Errno.ENOSPC);
        if (m == null) {
            return;
        }
        try {
            long acTime = host.now();
            Zcomp primary = z.comps()[ZramDevice.PRIMARY_COMP];
            int head = (int) (offset & (PAGE_SIZE - 1));
            if (head != 0) {
                int n = (int) Math.min(length, PAGE_SIZE - head);
                writePartial(m, primary, offset >>> SlotTable.PAGE_SHIFT, head, null, 0, n, acTime);
            }
            long end = offset + length;
            int tail = (int) (end & (PAGE_SIZE - 1));
            long tailPage = end >>> SlotTable.PAGE_SHIFT;
            if (tail != 0 && (head == 0 || tailPage != offset >>> SlotTable.PAGE_SHIFT)) {
                writePartial(m, primary, tailPage, 0, null, 0, tail, acTime);
            }
            freeRange(m, offset, length);
        } catch (ErrnoException e) {
            stats.failedWrites.increment();
            throw ioError(e.errno() == Errno.ENOMEM ? Errno.ENOMEM : Errno.EIO, e);
        } finally {
            m.usage.put();
        }
    }

    /**
     * The error a failed request completes with: the block layer turns zram's failures into
     * BLK_STS_IOERR (EIO); a write refused for memory (mem_limit, no native memory) keeps ENOMEM.
     */
    private static ErrnoIOException ioError(Errno errno, ErrnoException cause) {
        ErrnoIOException e = new ErrnoIOException(errno, cause.getMessage());
        e.initCause(cause);
        return e;
    }

    private void freeRange(ZramMeta m, long offset, long length) {
        long index = offset >>> SlotTable.PAGE_SHIFT;
        int in = (int) (offset & (PAGE_SIZE - 1));
        long n = length;
        if (in != 0) {
            if (n <= PAGE_SIZE - in) {
                return;
            }
            n -= PAGE_SIZE - in;
            index++;
        }
        long pages = n >>> SlotTable.PAGE_SHIFT;
        long end = index + pages;
        while (index < end) {
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                long next = Math.min(end, (index | (SlotTable.CHUNK_SLOTS - 1)) + 1);
                stats.notifyFree.add(next - index);
                index = next;
                continue;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            f = freeSlot(m, chunk, b, f);
            SlotTable.unlock(chunk, b, f);
            stats.notifyFree.increment();
            index++;
        }
    }

    /** See {@link ZramDevice#blockState}. */
    BlockState blockState(long offset) throws IOException {
        ZramMeta m = enter(offset, 1, Errno.EIO);
        try {
            long index = offset >>> SlotTable.PAGE_SHIFT;
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                return BlockState.HOLE;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            long h = SlotTable.handle(chunk, b);
            SlotTable.unlock(chunk, b, f);
            if ((f & SlotTable.SAME) != 0) {
                return h == 0 ? BlockState.ZERO : BlockState.DATA;
            }
            return SlotTable.allocated(f) ? BlockState.DATA : BlockState.HOLE;
        } finally {
            m.usage.put();
        }
    }

    /** See {@link ZramControl#slotFreeNotify}. */
    void slotFreeNotify(long index) throws IOException {
        ZramMeta m = enter(index << SlotTable.PAGE_SHIFT, PAGE_SIZE, Errno.EIO);
        try {
            stats.notifyFree.increment();
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                return;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.tryLock(chunk, b);
            if (f < 0) {
                stats.missFree.increment();
                return;
            }
            SlotTable.unlock(chunk, b, freeSlot(m, chunk, b, f));
        } finally {
            m.usage.put();
        }
    }

    // ---- pages --------------------------------------------------------------------------------------

    /** The machine word (native order) at {@code b[off]}: the element of a same-filled page. */
    private static long word(ByteBuffer b, int off) {
        return (long) LONGS.get(b, off);
    }

    /** page_same_filled(): all 512 words equal (first against last, then the rest, early exit). */
    private static boolean sameFilled(ByteBuffer b, int off) {
        long v = (long) LONGS.get(b, off);
        if (v != (long) LONGS.get(b, off + PAGE_SIZE - 8)) {
            return false;
        }
        for (int i = 8; i < PAGE_SIZE - 8; i += 8) {
            if ((long) LONGS.get(b, off + i) != v) {
                return false;
            }
        }
        return true;
    }

    /** zram_fill_page(): {@code len} bytes at {@code dst[off]} from the page pattern of {@code element} starting at page byte {@code pageOff}. */
    private static void fill(ByteBuffer dst, int off, int pageOff, int len, long element) {
        int i = 0;
        if ((pageOff & 7) == 0) {
            for (; i + 8 <= len; i += 8) {
                LONGS.set(dst, off + i, element);
            }
        }
        for (; i < len; i++) {
            int j = (pageOff + i) & 7;
            int shift = LITTLE_ENDIAN ? 8 * j : 56 - 8 * j;
            dst.put(off + i, (byte) (element >>> shift));
        }
    }

    /** Full-page write: compress and allocate without the slot lock, publish under it. */
    private void writePage(ZramMeta m, Zcomp comp, long index, ByteBuffer src, int off, long acTime) {
        if (sameFilled(src, off)) {
            long element = word(src, off);
            long[] chunk = m.table.chunk(index);
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            SlotTable.unlock(chunk, b, publishSameLocked(m, chunk, b, f, element, acTime));
            return;
        }
        long stored = storeObject(m, comp, src, off);
        long[] chunk = m.table.chunk(index);
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        SlotTable.unlock(chunk, b, publishLocked(m, chunk, b, f, stored, acTime));
    }

    /**
     * Partial write (or zero-fill when {@code src} is null) of {@code n} bytes at {@code in} in the
     * page: read-modify-write under the slot lock, so it is atomic against every other access to
     * the page. Zero-filling a slot that holds nothing changes nothing.
     */
    private void writePartial(ZramMeta m, Zcomp comp, long index, int in, ByteBuffer src, int srcOff, int n, long acTime) {
        long[] chunk = src == null ? m.table.chunkOrNull(index) : m.table.chunk(index);
        if (chunk == null) {
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        try {
            if (src == null && !SlotTable.allocated(f)) {
                return;
            }
            ByteBuffer page = scratch.get();
            readLocked(m, chunk, b, f, page, 0);
            if (src == null) {
                fill(page, in, in, n, 0L);
            } else {
                page.put(in, src, srcOff, n);
            }
            if (sameFilled(page, 0)) {
                f = publishSameLocked(m, chunk, b, f, word(page, 0), acTime);
            } else {
                f = publishLocked(m, chunk, b, f, storeObject(m, comp, page, 0), acTime);
            }
        } finally {
            SlotTable.unlock(chunk, b, f);
        }
    }

    /**
     * Compresses the page and stores it in the pool (raw when the result reaches the huge class
     * size). Returns {@code handle | size << SIZE_BIT}. ENOMEM (failed write) when the pool is past
     * mem_limit after the allocation or no memory can be reserved.
     */
    private long storeObject(ZramMeta m, Zcomp comp, ByteBuffer src, int off) {
        ZcompStrm s = comp.streamGet();
        long handle = 0;
        int len;
        try {
            len = comp.compress(s, src, off);
            if (len < HUGE_CLASS_SIZE) {
                handle = alloc(m, len);
                m.pool.write(handle, s.buffer, 0, len);
            }
        } finally {
            comp.streamPut(s);
        }
        if (handle == 0) {
            len = PAGE_SIZE;
            handle = alloc(m, PAGE_SIZE);
            m.pool.write(handle, src, off, PAGE_SIZE);
        }
        return handle | (long) len << SIZE_BIT;
    }

    /** zs_malloc() + zram_can_store_page(): raises mem_used_max, enforces mem_limit. */
    private long alloc(ZramMeta m, int size) {
        long handle = m.pool.malloc(size);
        long pages = m.pool.totalPages();
        stats.updateUsedMax(pages);
        long limit = z.limitPages();
        if (limit != 0 && pages > limit) {
            m.pool.free(handle);
            throw new ErrnoException(Errno.ENOMEM, z.name + ": mem_limit of " + (limit << SlotTable.PAGE_SHIFT) + " bytes reached");
        }
        return handle;
    }

    /** Publishes a stored object in a locked slot (freeing the old one); returns the new flags. */
    private long publishLocked(ZramMeta m, long[] chunk, int b, long f, long stored, long acTime) {
        long handle = stored & ((1L << SIZE_BIT) - 1);
        int size = (int) (stored >>> SIZE_BIT);
        f = freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, handle);
        SlotTable.setAcTime(chunk, b, acTime);
        f = SlotTable.withSize(f, size);
        stats.pagesStored.increment();
        stats.comprDataSize.add(size);
        if (size == PAGE_SIZE) {
            f |= SlotTable.HUGE;
            stats.hugePages.increment();
            stats.hugePagesSince.increment();
        }
        return f;
    }

    /** write_same_filled_page() in a locked slot; returns the new flags. */
    private long publishSameLocked(ZramMeta m, long[] chunk, int b, long f, long element, long acTime) {
        f = freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, element);
        SlotTable.setAcTime(chunk, b, acTime);
        stats.samePages.increment();
        stats.pagesStored.increment();
        return f | SlotTable.SAME;
    }

    /** zram_free_page() in a locked slot: undoes the slot's counters, returns the cleared flags. */
    long freeSlot(ZramMeta m, long[] chunk, int b, long f) {
        SlotTable.setAcTime(chunk, b, 0);
        f &= ~(SlotTable.IDLE | SlotTable.INCOMPRESSIBLE | SlotTable.PP_SLOT | SlotTable.PRIO_MASK);
        if ((f & SlotTable.HUGE) != 0) {
            f &= ~SlotTable.HUGE;
            stats.hugePages.decrement();
        }
        if ((f & SlotTable.WB) != 0) {
            f &= ~SlotTable.WB;
            BackingDev bd = z.backing();
            if (bd != null && !bd.freeBlock(SlotTable.handle(chunk, b))) {
                z.kernel.log().warnSplat("drivers/block/zram/zram_drv.c:468 free_block_bdev", "WARN_ON_ONCE(!was_set)");
            }
            stats.bdCount.decrement();
        } else if ((f & SlotTable.SAME) != 0) {
            f &= ~SlotTable.SAME;
            stats.samePages.decrement();
        } else {
            long handle = SlotTable.handle(chunk, b);
            if (handle == 0) {
                return f;
            }
            m.pool.free(handle);
            stats.comprDataSize.add(-SlotTable.size(f));
        }
        stats.pagesStored.decrement();
        SlotTable.setHandle(chunk, b, 0);
        return SlotTable.withSize(f, 0);
    }

    /**
     * Reads {@code n} bytes at {@code in} of page {@code index} into {@code dst[off]}; the slot is
     * locked across the decompression and marked accessed (IDLE and PP_SLOT cleared, ac_time set).
     */
    private void readPage(ZramMeta m, long index, int in, ByteBuffer dst, int off, int n, long acTime) {
        long[] chunk = m.table.chunkOrNull(index);
        if (chunk == null) {
            fill(dst, off, in, n, 0L);
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        try {
            if (n == PAGE_SIZE) {
                readLocked(m, chunk, b, f, dst, off);
            } else {
                readPartialLocked(m, chunk, b, f, in, dst, off, n);
            }
            SlotTable.setAcTime(chunk, b, acTime);
            f &= ~(SlotTable.IDLE | SlotTable.PP_SLOT);
        } finally {
            SlotTable.unlock(chunk, b, f);
        }
    }

    /** zram_read_page() with the slot locked: the whole page into {@code dst[off .. off+4096)}. */
    void readLocked(ZramMeta m, long[] chunk, int b, long f, ByteBuffer dst, int off) {
        if ((f & SlotTable.WB) != 0) {
            readFromBdev(chunk, b, dst, off);
            return;
        }
        if ((f & SlotTable.SAME) != 0) {
            fill(dst, off, 0, PAGE_SIZE, SlotTable.handle(chunk, b));
            return;
        }
        int size = SlotTable.size(f);
        long handle = SlotTable.handle(chunk, b);
        if (size == 0 || handle == 0) {
            fill(dst, off, 0, PAGE_SIZE, 0L);
            return;
        }
        if (size == PAGE_SIZE) {
            m.pool.read(handle, dst, off, PAGE_SIZE);
            return;
        }
        decompress(m, handle, size, SlotTable.priority(f), 0, dst, off, PAGE_SIZE);
    }

    /**
     * A partial read with the slot locked: a same-filled or empty slot fills the range; a page
     * stored raw or written back is read whole into the per-thread scratch page, a compressed one
     * decompressed into its stream's local copy, and the range copied from there.
     */
    private void readPartialLocked(ZramMeta m, long[] chunk, int b, long f, int in, ByteBuffer dst, int off, int n) {
        int size = SlotTable.size(f);
        long handle = SlotTable.handle(chunk, b);
        if ((f & SlotTable.WB) == 0 && (f & SlotTable.SAME) != 0) {
            fill(dst, off, in, n, handle);
        } else if ((f & SlotTable.WB) == 0 && (size == 0 || handle == 0)) {
            fill(dst, off, in, n, 0L);
        } else if ((f & SlotTable.WB) == 0 && size < PAGE_SIZE) {
            decompress(m, handle, size, SlotTable.priority(f), in, dst, off, n);
        } else {
            ByteBuffer page = scratch.get();
            readLocked(m, chunk, b, f, page, 0);
            dst.put(off, page, in, n);
        }
    }

    /**
     * zram_read_from_zspool() of a compressed object, in the stream of its priority: the whole page
     * straight into {@code dst[off]}, or (a partial read) into the stream's local copy and
     * {@code n} bytes from page byte {@code in} copied to {@code dst[off]}.
     */
    private void decompress(ZramMeta m, long handle, int size, int prio, int in, ByteBuffer dst, int off, int n) {
        Zcomp comp = z.comps()[prio];
        ZcompStrm s = comp.streamGet();
        try {
            ZsMapping mp = s.mapping;
            m.pool.map(handle, mp);
            try {
                if (n == PAGE_SIZE) {
                    comp.decompress(s, mp.buffer(), mp.offset(), size, dst, off);
                } else {
                    comp.decompress(s, mp.buffer(), mp.offset(), size, s.localCopy, 0);
                    dst.put(off, s.localCopy, in, n);
                }
            } finally {
                m.pool.unmap(mp);
            }
        } finally {
            comp.streamPut(s);
        }
    }

    private void readFromBdev(long[] chunk, int b, ByteBuffer dst, int off) {
        BackingDev bd = z.backing();
        if (bd == null) {
            throw new ErrnoException(Errno.EIO, z.name + ": written-back page without a backing device");
        }
        try {
            bd.readPage(SlotTable.handle(chunk, b), dst, off);
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, z.name + ": reading the backing device: " + e.getMessage(), e);
        }
        stats.bdReads.increment();
    }
}
