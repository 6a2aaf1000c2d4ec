// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open disk node in /dev (block/fops.c: blkdev_open, blkdev_read_iter, blkdev_write_iter,
 * blkdev_release): it keeps a {@link BdevHandle} (the owner module and the driver's device) until
 * it is closed; reads and writes go through the block layer at the file position, with end of file
 * at the capacity and ENOSPC past it. Threading: the position is guarded by this object's monitor,
 * so threads that share the file (like a file descriptor) see each read/write/seek as one step.
 */
final class DiskFile implements MachineFile {
    private final String path;
    private final BdevHandle bdev;
    private final boolean readable;
    private final boolean writable;
    private long pos;
    private boolean closed;

    DiskFile(String path, BdevHandle bdev, boolean readable, boolean writable) {
        this.path = path;
        this.bdev = bdev;
        this.readable = readable;
        this.writable = writable;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public BlockDevice blockDevice() {
        return bdev.device();
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) {
        check(readable);
        BlockDevice dev = bdev.device();
        long cap = dev.capacity();
        if (pos >= cap || len == 0) {
            return 0;
        }
        int n = (int) Math.min(len, cap - pos);
        try {
            dev.read(pos, ByteBuffer.wrap(dst, off, n));
        } catch (IOException e) {
            throw BdevHandle.toErrno(e);
        }
        pos += n;
        return n;
    }

    @Override
    public synchronized int write(byte[] src, int off, int len) {
        check(writable);
        BlockDevice dev = bdev.device();
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
            throw BdevHandle.toErrno(e);
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
        bdev.close();
    }
}
