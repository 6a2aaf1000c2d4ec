// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.block.BlockDevice;

/**
 * An open file of a {@link Machine}: a sysfs/debugfs attribute, a directory, a block device node or
 * a character device node. read and write are read(2) and write(2): one call, one operation (for an
 * attribute, one show or one store); errors are {@link io.jzram.kernel.ErrnoException}s. Like a file
 * descriptor it may be used from several threads: read, write, seek and position are each one step
 * on the file position. Close it once, after its last use (see {@link Machine} for the rest).
 */
public interface MachineFile extends AutoCloseable {

    /** The path it was opened with. */
    String path();

    /** read(2): bytes read, 0 at end of file. */
    int read(byte[] dst, int off, int len);

    /** write(2): bytes written. */
    int write(byte[] src, int off, int len);

    default int read(byte[] dst) {
        return read(dst, 0, dst.length);
    }

    default int write(byte[] src) {
        return write(src, 0, src.length);
    }

    /** The file position. */
    long position();

    /** lseek(fd, pos, SEEK_SET). */
    void seek(long pos);

    /**
     * The block device behind an open block-device node, as the block layer serves it (accounted in
     * the disk's {@code stat}; EIO once the disk is deleted). This file holds the device open.
     *
     * @throws io.jzram.kernel.ErrnoException ENOTBLK when this is not a block device node
     */
    default BlockDevice blockDevice() {
        throw new ErrnoException(Errno.ENOTBLK, path() + " is not a block device");
    }

    /** close(2). */
    @Override
    void close();
}
