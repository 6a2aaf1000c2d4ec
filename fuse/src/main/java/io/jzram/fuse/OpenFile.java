// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;

/**
 * An open file description of a {@link FuseFileSystem} regular file (the {@code fh} of
 * fuse_open_out). Reads and writes come with explicit offsets; the kernel keeps the file position.
 *
 * <p>With {@link #directIo()} (the default) the kernel bypasses the page cache for this file: every
 * read(2) and write(2) becomes a READ or WRITE request with the caller's offset and length (split
 * at the mount's max_write/max_read), and a short read is what the caller gets. That is what sysfs
 * attributes need (st_size 4096, content shorter and changing) and what a block-device backing file
 * wants (no second copy of its data in the page cache).
 *
 * <p>Threading: requests for one handle may arrive concurrently (the kernel sends reads in
 * parallel, and the loop driver does for its backing file); the implementation synchronises.
 */
public interface OpenFile {
    /**
     * Reads from {@code offset} into {@code dst}, at most {@code dst.remaining()} bytes, advancing
     * its position. Returns the number of bytes read; 0 is end of file.
     */
    int read(Caller caller, long offset, ByteBuffer dst);

    /**
     * Writes {@code src} (all its remaining bytes, the payload of one WRITE request) at
     * {@code offset}. Returns how many bytes were taken; fewer than offered is a short write. The
     * default answers EBADF (a file that cannot be written should refuse in open instead).
     */
    default int write(Caller caller, long offset, ByteBuffer src) {
        throw new FsException(Errno.EBADF);
    }

    /** close(2) of one of the descriptors of this open file (FUSE_FLUSH). Default: nothing. */
    default void flush(Caller caller) {
    }

    /** fsync(2)/fdatasync(2). Default: nothing. */
    default void fsync(Caller caller, boolean dataOnly) {
    }

    /**
     * fallocate(2): {@code mode} as fallocate's (FALLOC_FL_KEEP_SIZE 1, FALLOC_FL_PUNCH_HOLE 2,
     * FALLOC_FL_ZERO_RANGE 16 ...). The loop driver turns discards and write-zeroes of its device
     * into these on its backing file. Default: EOPNOTSUPP.
     */
    default void fallocate(Caller caller, int mode, long offset, long length) {
        throw new FsException(Errno.EOPNOTSUPP);
    }

    /** The last descriptor is closed (FUSE_RELEASE): nothing more comes for this handle. */
    default void release() {
    }

    /** FOPEN_DIRECT_IO: bypass the page cache (default true). */
    default boolean directIo() {
        return true;
    }

    /** FOPEN_KEEP_CACHE: keep the page cache from earlier opens (default false; moot with direct I/O). */
    default boolean keepCache() {
        return false;
    }
}
