// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test double of a zram device: a sparse, thread-safe in-memory block device with 4 KiB pages.
 * A page is a HOLE (absent), ZERO (a stored page of zeros, as zram's same-filled page) or DATA.
 * Unaligned I/O is read-modify-write under a per-page stripe lock. Supports open/reset like zram
 * (reset refuses with EBUSY while opened; a reset device has capacity 0), failure injection, and an
 * I/O hook that lets tests stall requests.
 */
final class MemoryBlockDevice implements BlockDevice {
    static final int PAGE = 4096;

    /** Called before every read/write/discard/writeZeroes with the operation name and offset. */
    interface IoHook {
        void before(String op, long offset) throws IOException;
    }

    private final String name;
    private final byte[] zeroMarker = new byte[0];
    private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[64];
    private final AtomicLong flushes = new AtomicLong();
    private volatile long capacity;
    private volatile Errno failure;
    private volatile IoHook hook;
    private int openers; // guarded by this
    private boolean resetting; // guarded by this

    MemoryBlockDevice(String name, long capacity) {
        this.name = name;
        this.capacity = capacity;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** Sets the disksize (only while not initialised, as zram). */
    synchronized void initialise(long size) {
        if (capacity != 0) {
            throw new IllegalStateException("already initialised");
        }
        capacity = size;
    }

    /** zram's reset: EBUSY while opened; frees everything; capacity becomes 0. */
    void reset() throws ErrnoIOException {
        synchronized (this) {
            if (openers > 0) {
                throw new ErrnoIOException(Errno.EBUSY, "device " + name + " is open");
            }
            resetting = true;
        }
        pages.clear();
        synchronized (this) {
            capacity = 0;
            resetting = false;
        }
    }

    /** Marks the device as being reset, so open() answers EBUSY, until {@link #endReset()}. */
    synchronized void beginReset() {
        resetting = true;
    }

    synchronized void endReset() {
        resetting = false;
    }

    synchronized int openers() {
        return openers;
    }

    void injectFailure(Errno errno) {
        this.failure = errno;
    }

    void hook(IoHook hook) {
        this.hook = hook;
    }

    long flushes() {
        return flushes.get();
    }

    int storedPages() {
        return pages.size();
    }

    private void before(String op, long offset, long length) throws IOException {
        IoHook h = hook;
        if (h != null) {
            h.before(op, offset);
        }
        Errno f = failure;
        if (f != null) {
            throw new ErrnoIOException(f, "injected failure of " + op);
        }
        if (offset < 0 || length < 0 || offset + length > capacity) {
            throw new ErrnoIOException(Errno.EIO, op + " beyond the end of " + name);
        }
    }

    private Object lockFor(long page) {
        return stripes[(int) (page & (stripes.length - 1))];
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        before("read", offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            long page = pos / PAGE;
            int in = (int) (pos % PAGE);
            int n = Math.min(PAGE - in, dst.remaining());
            synchronized (lockFor(page)) {
                byte[] p = pages.get(page);
                if (p == null || p.length == 0) {
                    for (int i = 0; i < n; i++) {
                        dst.put((byte) 0);
                    }
                } else {
                    dst.put(p, in, n);
                }
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        before("write", offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            long page = pos / PAGE;
            int in = (int) (pos % PAGE);
            int n = Math.min(PAGE - in, src.remaining());
            synchronized (lockFor(page)) {
                byte[] p = pages.get(page);
                byte[] np = new byte[PAGE];
                if (p != null && p.length == PAGE && n < PAGE) {
                    System.arraycopy(p, 0, np, 0, PAGE);
                }
                src.get(np, in, n);
                store(page, np);
            }
            pos += n;
        }
    }

    private void store(long page, byte[] content) {
        boolean zero = true;
        for (byte b : content) {
            if (b != 0) {
                zero = false;
                break;
            }
        }
        pages.put(page, zero ? zeroMarker : content);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        before("discard", offset, length);
        long first = (offset + PAGE - 1) / PAGE;
        long end = (offset + length) / PAGE;
        for (long page = first; page < end; page++) {
            synchronized (lockFor(page)) {
                pages.remove(page);
            }
        }
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        before("writeZeroes", offset, length);
        long pos = offset;
        long endPos = offset + length;
        while (pos < endPos) {
            long page = pos / PAGE;
            int in = (int) (pos % PAGE);
            int n = (int) Math.min(PAGE - in, endPos - pos);
            synchronized (lockFor(page)) {
                if (n == PAGE) {
                    pages.remove(page);
                } else {
                    byte[] p = pages.get(page);
                    if (p != null && p.length == PAGE) {
                        byte[] np = p.clone();
                        Arrays.fill(np, in, in + n, (byte) 0);
                        store(page, np);
                    }
                }
            }
            pos += n;
        }
    }

    @Override
    public void flush() throws IOException {
        Errno f = failure;
        if (f != null) {
            throw new ErrnoIOException(f, "injected failure of flush");
        }
        flushes.incrementAndGet();
    }

    @Override
    public BlockState blockState(long offset) throws IOException {
        byte[] p = pages.get(offset / PAGE);
        if (p == null) {
            return BlockState.HOLE;
        }
        return p.length == 0 ? BlockState.ZERO : BlockState.DATA;
    }

    @Override
    public synchronized Opener open() throws IOException {
        if (resetting) {
            throw new ErrnoIOException(Errno.EBUSY, "device " + name + " is being reset");
        }
        openers++;
        return new Opener() {
            private boolean closed;

            @Override
            public BlockDevice device() {
                return MemoryBlockDevice.this;
            }

            @Override
            public void close() {
                synchronized (MemoryBlockDevice.this) {
                    if (!closed) {
                        closed = true;
                        openers--;
                        MemoryBlockDevice.this.notifyAll();
                    }
                }
            }
        };
    }

    /** Waits until no opener is left (connections released the device), up to the timeout. */
    synchronized boolean awaitClosed(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (openers > 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
