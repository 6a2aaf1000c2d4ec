// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/** A trivial in-memory block device for device-model tests. */
final class RamDisk implements BlockDevice {
    private final String name;
    private final byte[] data;
    final AtomicInteger openers = new AtomicInteger();

    RamDisk(String name, int bytes) {
        this.name = name;
        this.data = new byte[bytes];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long capacity() {
        return data.length;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        check(offset, dst.remaining());
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        check(offset, src.remaining());
        src.get(data, (int) offset, src.remaining());
    }

    private void check(long offset, long len) throws IOException {
        if (offset < 0 || offset + len > data.length) {
            throw new ErrnoIOException(Errno.EIO, "beyond the end");
        }
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        check(offset, length);
        java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void flush() {
    }

    @Override
    public BlockState blockState(long offset) {
        return BlockState.DATA;
    }

    @Override
    public Opener open() {
        openers.incrementAndGet();
        return new Opener() {
            @Override
            public BlockDevice device() {
                return RamDisk.this;
            }

            @Override
            public void close() {
                openers.decrementAndGet();
            }
        };
    }
}
