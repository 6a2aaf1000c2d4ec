// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import java.nio.ByteBuffer;

/**
 * The storage behind one file of a {@link BlockFileSystem}: a fixed-size array of bytes, such as
 * an emulated block device. Offsets and lengths are in bytes and lie within {@link #size()} (the
 * file system clips them). Methods throw {@link FsException} for an errno the reader or writer
 * should see (EIO for a failed device, ENXIO for a device that has gone).
 *
 * <p>Threading: called concurrently (the loop driver has several requests in flight); ranges of
 * concurrent writes do not overlap unless the block device's user made them so.
 */
public interface BlockBackend {
    /** The size in bytes; may change between calls (the file shows the new size at the next stat). */
    long size();

    /** Fills {@code dst} (all its remaining bytes) from {@code offset}. */
    void read(long offset, ByteBuffer dst);

    /** Stores {@code src} (all its remaining bytes) at {@code offset}. */
    void write(long offset, ByteBuffer src);

    /** Discards a range: it reads as zeros afterwards. Default: writes zeros. */
    default void discard(long offset, long length) {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long done = 0; done < length; done += zeros.capacity()) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            write(offset + done, zeros);
        }
    }

    /** fsync: make what was written durable. Default: nothing. */
    default void flush() {
    }
}
