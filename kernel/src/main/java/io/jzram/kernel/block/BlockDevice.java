// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device as its users see it (the part of {@code struct block_device} and the bio
 * interface that zram serves): byte-addressed reads and writes, discard, write-zeroes and flush,
 * plus the per-page allocation status that NBD's {@code base:allocation} context reports.
 *
 * <p>I/O errors are {@link io.jzram.kernel.ErrnoIOException}s carrying the errno. Offsets and
 * lengths need not be aligned: a device does read-modify-write of the pages a request touches.
 * Implementations are thread-safe; requests on different pages run in parallel.
 */
public interface BlockDevice {

    /** Allocation state of one logical block, for block-status queries. */
    enum BlockState {
        /** Never written, or discarded: a hole that reads as zeros. */
        HOLE,
        /** Stored, but known to read as zeros (a same-filled page of zero words). */
        ZERO,
        /** Stored data. */
        DATA
    }

    /** Device name, e.g. {@code zram0}. */
    String name();

    /** Capacity in bytes (0 while the device is not initialised). */
    long capacity();

    /** Logical block size in bytes (4096 for zram). */
    default int logicalBlockSize() {
        return 4096;
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset} into dst, advancing its position. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}, advancing src's position. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Discards (deallocates) the whole blocks inside the range; partial blocks are left as they are. */
    void discard(long offset, long length) throws IOException;

    /** Makes the range read as zeros; whole blocks are deallocated, partial ones zero-filled. */
    void writeZeroes(long offset, long length) throws IOException;

    /** Makes completed writes durable (a no-op for RAM, but ordered after them). */
    void flush() throws IOException;

    /** The state of the logical block containing {@code offset}. */
    BlockState blockState(long offset) throws IOException;

    /**
     * Opens the device (blkdev_get): while any opener holds it, reset and removal answer EBUSY.
     * A device being reset (claimed) refuses with EBUSY.
     */
    Opener open() throws IOException;

    /** An open reference to a device; closing it is blkdev_put. */
    interface Opener extends AutoCloseable {
        BlockDevice device();

        @Override
        void close();
    }
}
