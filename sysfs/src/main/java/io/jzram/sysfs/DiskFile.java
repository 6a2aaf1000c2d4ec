// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.module.Module;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open disk node in /dev (block/fops.c: blkdev_open, blkdev_read_iter, blkdev_write_iter,
 * blkdev_release): it keeps the disk's owner module and the driver's device open until it is
 * closed; reads and writes go through the block layer at the file position, with end of file
 * at the capacity and ENOSPC past it. Threading: the position is guarded by this object's monitor,
 * so threads that share the file (like a file descriptor) see each read/write/seek as one step.
 */
final class DiskFile implements MachineFile {
    private final String path;
    private final GenDisk disk;
    private final BlockDevice.Opener opener;
    private final Module owner;
    private final boolean readable;
    private final boolean writable;
    private long pos;
    private boolean closed;

    DiskFile(String path, GenDisk disk, BlockDevice.Opener opener, Module owner, boolean readable, boolean writable) {
        this.path = path;
        this.disk = disk;
        this.opener = opener;
        this.owner = owner;
        this.readable = readable;
        this.writable = writable;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public BlockDevice blockDevice() {
        return disk.blockDevice();
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) {
        check(readable);
        BlockDevice dev = disk.blockDevice();
        long cap = dev.capacity();
        if (pos >= cap || len == 0) {
            return 0;
        }
        int n = (int) Math.min(len, cap - pos);
        try {
            dev.read(pos, ByteBuffer.wrap(dst, off, n));
        } catch (IOException e) {
            throw toErrno(e);
        }
        pos += n;
        return n;
    }

    @Override
    public synchronized int write(byte[] src, int off, int len) {
        check(writable);
        BlockDevice dev = disk.blockDevice();
        long cap = dev.capacity();
        if (pos >= cap) {
            throw new ErrnoException(Errno.ENOSPC, path + ": no space left on device");
        }
        if (len == 0) {
            return 0;
        }
        int n = (int) Math.min(len, cap - pos);
        try {
            dev.write(pos, ByteBuffer.wrap(src, off, n));
        } catch (IOException e) {
            throw toErrno(e);
        }
        pos += n;
        return n;
    }

    private void check(boolean allowed) {
        if (closed || !allowed) {
            throw new ErrnoException(Errno.EBADF, path + " is not open for that");
        }
    }

    @Override
    public synchronized long position() {
        return pos;
    }

    @Override
    public synchronized void seek(long p) {
        if (p < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative offset");
        }
        pos = p;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            opener.close();
        } finally {
            if (owner != null) {
                owner.put();
            }
        }
    }

    /** A block I/O error as the errno a system call returns (EIO for an error without one). */
    static ErrnoException toErrno(IOException e) {
        if (e instanceof ErrnoIOException) {
            return new ErrnoException(((ErrnoIOException) e).errno(), e.getMessage(), e);
        }
        return new ErrnoException(Errno.EIO, e.toString(), e);
    }
}
