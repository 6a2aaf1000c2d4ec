// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompContext;
import io.jzram.core.zsmalloc.ZsMapping;
import io.jzram.kernel.locking.Mutex;
import java.nio.ByteBuffer;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * One CPU's compression stream of one compressor: {@code struct zcomp_strm} of
 * drivers/block/zram/zcomp.h (6.15+): a mutex, the codec context, a two-page buffer the
 * compressor writes into and a one-page local copy buffer.
 *
 * <p>Both buffers are views of one off-heap region of three pages (Chronicle's lazy native store),
 * allocated by the CPU-up-prepare callback and freed by the CPU-dead callback under {@link #lock}.
 * A stream whose {@link #buffer} is null belongs to a dead CPU: {@link Zcomp#streamGet} unlocks
 * it and retries on the CPU it now runs on.
 *
 * <p>Layout: the kernel keeps each CPU's stream in per-CPU memory; here the objects of all CPUs'
 * streams are allocated in a row, so each stream ends with a padding array that keeps the next
 * CPU's mutex off the cache lines this stream's holder writes (mutex state, pool cursor). Without
 * it two threads on two CPUs scale to ~1.85x instead of ~1.97x on reads.
 *
 * <p>Locking: {@link #lock} (lockdep class {@code &zstrm->lock}) guards every other field; the
 * fields are volatile only so that racy diagnostics see them. The holder has the buffers, the
 * context and {@link #mapping} to itself.
 */
public final class ZcompStrm {
    /** Bytes of off-heap memory one stream holds: 2-page buffer + 1-page local copy. */
    public static final int BYTES = 3 * SlotTable.PAGE_SIZE;

    final int cpu;
    final Mutex lock;
    /** The 2-page compression buffer; null while the CPU is dead. */
    volatile ByteBuffer buffer;
    /** The 1-page local copy buffer (partial reads decompress here). */
    volatile ByteBuffer localCopy;
    volatile ZcompContext ctx;
    volatile BytesStore<?, ?> store;
    /** A pool cursor for the holder (objects are mapped in place, never copied). */
    final ZsMapping mapping = new ZsMapping();
    /** Padding allocated after this CPU's objects, so no other CPU's stream shares their cache lines. */
    final long[] pad = new long[24];

    ZcompStrm(int cpu, Mutex lock) {
        this.cpu = cpu;
        this.lock = lock;
    }

    /** The CPU this stream belongs to. */
    public int cpu() {
        return cpu;
    }

    /** The compression buffer (two pages, absolute indexing only); valid while the stream is held. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The one-page local copy buffer; valid while the stream is held. */
    public ByteBuffer localCopy() {
        return localCopy;
    }

    /** The codec context; valid while the stream is held. */
    public ZcompContext context() {
        return ctx;
    }

    /** Whether the stream has its buffers (its CPU is up). */
    public boolean isLive() {
        return buffer != null;
    }
}
