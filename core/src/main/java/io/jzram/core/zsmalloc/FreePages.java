// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.internal.NativeBytesStore;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * The machine's free pages: what mm/page_alloc.c's buddy allocator is to zsmalloc
 * ({@code alloc_page()}/{@code __free_page()} through a zone's {@code free_area[order]} lists),
 * reduced to whole blocks of native memory. Every {@link ZsPool} of a machine takes the blocks its
 * {@link PageAllocator} carves into pages from here and gives them back here when they empty out
 * or the pool is destroyed (a device reset): pages a reset device freed stay mapped in the
 * machine, as the kernel's stay in its buddy allocator, so the next device's writes do not pay the
 * OS's first-touch page faults again.
 *
 * <p>Lists: one per order (block = 2^order pages, order 6..19; zram's pools use order 9, 2 MiB,
 * the kernel's pageblock order), last freed first out (its memory is the most likely to be in the
 * CPU's caches, as the kernel's per-CPU lists hand out hot pages first). A request for a block
 * takes one from its list or, when the list is empty, reserves a new one from the OS (Chronicle's
 * lazy native store, not zeroed: nothing is ever read before it is written).
 *
 * <p>Bounds: the free lists hold at most {@link #reserveLimit()} bytes; a block freed beyond that
 * goes back to the OS at once. The limit is 0 (every freed block goes straight back, as before this
 * class) until someone sets it: the embedding API's private machines and {@code jzram bench} do.
 * {@link #trim()} gives every free block back to the OS (the kernel's {@code drop_caches} of the
 * emulated machine); {@link #close()} does too and makes every later free go straight back: the
 * kernel closes its subsystems at machine shutdown ({@link Kernel#subsystem}), so once a machine is
 * closed the process's native memory is back where it was before the machine, apart from pools
 * still open (their blocks follow when they close).
 *
 * <p>Accounting: {@link #lentBytes()} (blocks held by pools: a reset device's pool holds none),
 * {@link #freeBytes()} (the reserve, at most the limit), and counters of blocks reserved from and
 * released to the OS and of blocks reused. The native memory the machine holds is exactly
 * {@code lentBytes() + freeBytes()}.
 *
 * <p>Locking: one lock, the zone lock's role, around the lists and counters, taken once per block
 * (2 MiB: ~18,500 pool pages per 128 MiB written take it ~40 times), never per page or object.
 * Lock order: a size class's lock, then a pool's page allocator lock, then this one. The
 * counters are volatile so that diagnostics read them without the lock.
 */
public final class FreePages implements AutoCloseable {
    static final int PAGE_SHIFT = 12;
    static final int MIN_ORDER = 6;
    static final int MAX_ORDER = 19;

    /** The reserve limit the embedding API's private machines start with: 64 MiB. */
    public static final long DEFAULT_PRIVATE_RESERVE = 64L << 20;

    /** One block of {@code 2^order} pages of native memory and its ByteBuffer view (native order, absolute indexing only). */
    static final class Block {
        final BytesStore<?, ?> store;
        final ByteBuffer view;
        final int order;

        private Block(BytesStore<?, ?> store, ByteBuffer view, int order) {
            this.store = store;
            this.view = view;
            this.order = order;
        }

        long bytes() {
            return 1L << (order + PAGE_SHIFT);
        }
    }

    /** {@code struct free_area}: the free blocks of one order, last freed first. */
    private static final class FreeArea {
        final ArrayDeque<Block> list = new ArrayDeque<>();
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final FreeArea[] freeArea = new FreeArea[MAX_ORDER + 1];
    private boolean closed;
    private volatile long reserveLimit;
    private volatile long freeBytes;
    private volatile long lentBytes;
    private volatile long reservedFromOs;
    private volatile long releasedToOs;
    private volatile long reused;

    /** A machine's free pages, keeping up to {@code reserveLimit} freed bytes mapped. */
    public FreePages(long reserveLimit) {
        setReserveLimit(reserveLimit);
        for (int o = MIN_ORDER; o <= MAX_ORDER; o++) {
            freeArea[o] = new FreeArea();
        }
    }

    /** The free pages of {@code kernel}'s machine, made (with a reserve limit of 0) on first use and closed with the kernel. */
    public static FreePages of(Kernel kernel) {
        return kernel.subsystem(FreePages.class, () -> new FreePages(0));
    }

    /** Bytes of freed blocks the machine keeps mapped at most. */
    public long reserveLimit() {
        return reserveLimit;
    }

    /**
     * Sets the reserve limit; lowering it below what the lists hold gives the excess back to the OS
     * at once (last freed kept).
     *
     * @throws IllegalArgumentException for a negative limit
     */
    public void setReserveLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative reserve limit " + bytes);
        }
        boolean released;
        lock.lock();
        try {
            reserveLimit = bytes;
            released = shrinkTo(bytes);
        } finally {
            lock.unlock();
        }
        if (released) {
            BackgroundResourceReleaser.releasePendingResources();
        }
    }

    /** Bytes of free blocks held mapped now (the reserve). */
    public long freeBytes() {
        return freeBytes;
    }

    /** Bytes of blocks lent to pools now. */
    public long lentBytes() {
        return lentBytes;
    }

    /** Blocks taken from the OS, given back to it, and handed out again from the reserve, since the machine started. */
    public long[] counters() {
        return new long[] {reservedFromOs, releasedToOs, reused};
    }

    /**
     * Takes a block of {@code 2^order} pages: the last freed one of that order, or a new one from the OS.
     *
     * @throws ErrnoException ENOMEM when the OS has no memory for a new block
     */
    Block take(int order) {
        if (order < MIN_ORDER || order > MAX_ORDER) {
            throw new IllegalArgumentException("block order " + order);
        }
        long bytes = 1L << (order + PAGE_SHIFT);
        lock.lock();
        try {
            Block b = freeArea[order].list.pollFirst();
            if (b != null) {
                freeBytes -= bytes;
                lentBytes += bytes;
                reused++;
                return b;
            }
        } finally {
            lock.unlock();
        }
        Block b = reserve(order, bytes); // outside the lock: the OS may take its time
        lock.lock();
        try {
            lentBytes += bytes;
            reservedFromOs++;
        } finally {
            lock.unlock();
        }
        return b;
    }

    /** Gives a block back: onto its free list while the reserve has room, else to the OS. */
    void give(Block b) {
        long bytes = b.bytes();
        lock.lock();
        try {
            lentBytes -= bytes;
            if (!closed && freeBytes + bytes <= reserveLimit) {
                freeArea[b.order].list.addFirst(b);
                freeBytes += bytes;
                return;
            }
            releasedToOs++;
        } finally {
            lock.unlock();
        }
        b.store.releaseLast();
    }

    /** Gives every free block back to the OS; returns the bytes released. */
    public long trim() {
        long before;
        lock.lock();
        try {
            before = freeBytes;
            shrinkTo(0);
        } finally {
            lock.unlock();
        }
        BackgroundResourceReleaser.releasePendingResources();
        return before;
    }

    /** Machine shutdown: every free block back to the OS, and every block freed from now on too. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        trim();
    }

    /** Releases free blocks, first freed first, until at most {@code limit} bytes are left; under the lock. */
    private boolean shrinkTo(long limit) {
        boolean any = false;
        while (freeBytes > limit) {
            Block victim = null;
            for (int o = MAX_ORDER; o >= MIN_ORDER && victim == null; o--) {
                victim = freeArea[o].list.pollLast();
            }
            if (victim == null) {
                break;
            }
            freeBytes -= victim.bytes();
            releasedToOs++;
            victim.store.releaseLast();
            any = true;
        }
        return any;
    }

    private static Block reserve(int order, long bytes) {
        BytesStore<?, ?> store;
        try {
            store = BytesStore.lazyNativeBytesStoreWithFixedCapacity(bytes);
        } catch (OutOfMemoryError e) {
            throw new ErrnoException(Errno.ENOMEM, "cannot reserve a block of " + bytes + " bytes", e);
        }
        try {
            if (!(store instanceof NativeBytesStore)) {
                throw new IllegalStateException("Chronicle returned a " + store.getClass().getName() + ", not a native store");
            }
            ByteBuffer view = ((NativeBytesStore<?>) store).toTemporaryDirectByteBuffer();
            if (view.capacity() != bytes) {
                throw new IllegalStateException("block view has capacity " + view.capacity() + ", expected " + bytes);
            }
            view.order(ByteOrder.nativeOrder());
            return new Block(store, view, order);
        } catch (RuntimeException | Error e) {
            store.releaseLast();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "free pages[" + (freeBytes >> 20) + " MiB free of " + (reserveLimit >> 20) + " MiB limit, " + (lentBytes >> 20) + " MiB lent]";
    }
}
