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

    /**
     * The device's name.
     *
     * @return e.g. {@code zram0}
     */
    String name();

    /**
     * The capacity.
     *
     * @return bytes; 0 while the device is not initialised
     */
    long capacity();

    /**
     * The logical block size: the unit of discard and of the block-status query.
     *
     * @return bytes (4096 for zram)
     */
    default int logicalBlockSize() {
        return 4096;
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst}, advancing its position.
     * Never-written blocks read as zeros.
     *
     * @param offset the device offset in bytes (need not be aligned)
     * @param dst where the bytes go
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: EIO for a range past the end
     *     or data that cannot be decoded, ENXIO/ENODEV when the device is gone
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}, advancing {@code src}'s position.
     *
     * @param offset the device offset in bytes (need not be aligned: partial blocks are
     *     read-modify-written)
     * @param src the bytes to store
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: ENOSPC for a range past the
     *     end, ENOMEM when a memory limit refuses the data, EPERM on a read-only device
     */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Discards (deallocates) the whole blocks inside the range; partial blocks are left as they are.
     *
     * @param offset the start of the range in bytes
     * @param length the length of the range in bytes
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: ENOSPC for a range past the end
     */
    void discard(long offset, long length) throws IOException;

    /**
     * Makes the range read as zeros; whole blocks are deallocated, partial ones zero-filled.
     *
     * @param offset the start of the range in bytes
     * @param length the length of the range in bytes
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: ENOSPC for a range past the end
     */
    void writeZeroes(long offset, long length) throws IOException;

    /**
     * Makes completed writes durable (a no-op for RAM, but ordered after them).
     *
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException} when the device is gone
     */
    void flush() throws IOException;

    /**
     * The allocation state of the logical block containing {@code offset}.
     *
     * @param offset a device offset in bytes
     * @return whether the block is a hole, known zeros or data
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: EIO past the end
     */
    BlockState blockState(long offset) throws IOException;

    /**
     * Opens the device (blkdev_get): while any opener holds it, reset and removal answer EBUSY.
     *
     * @return the open reference; close it when done
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: EBUSY while the device is
     *     being reset (claimed), ENXIO when it is gone
     */
    Opener open() throws IOException;

    /** An open reference to a device; closing it is blkdev_put. */
    interface Opener extends AutoCloseable {
        /**
         * The device this reference holds open.
         *
         * @return the device
         */
        BlockDevice device();

        /** blkdev_put: drops the reference (once; closing again does nothing). */
        @Override
        void close();
    }
}
