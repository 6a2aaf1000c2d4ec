// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sparse in-memory {@link BlockBackend} for the tests: 64 KiB chunks allocated on first write,
 * absent chunks read as zeros, discards free whole chunks. Counts the bytes that went through.
 */
final class SparseMemoryBackend implements BlockBackend {
    static final int CHUNK = 64 * 1024;
    private volatile long size;
    private final Map<Long, byte[]> chunks = new ConcurrentHashMap<>();
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicLong bytesDiscarded = new AtomicLong();

    SparseMemoryBackend(long size) {
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    /** Changes the size (as a zram disksize change would); shrinking drops the chunks past the end. */
    void resize(long newSize) {
        size = newSize;
        chunks.keySet().removeIf(i -> i * CHUNK >= newSize);
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        bytesRead.addAndGet(dst.remaining());
        copyOut(offset, dst);
    }

    private void copyOut(long offset, ByteBuffer dst) {
        while (dst.hasRemaining()) {
            long index = offset / CHUNK;
            int at = (int) (offset % CHUNK);
            int n = Math.min(dst.remaining(), CHUNK - at);
            byte[] c = chunks.get(index);
            if (c == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                synchronized (c) {
                    dst.put(c, at, n);
                }
            }
            offset += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        bytesWritten.addAndGet(src.remaining());
        while (src.hasRemaining()) {
            long index = offset / CHUNK;
            int at = (int) (offset % CHUNK);
            int n = Math.min(src.remaining(), CHUNK - at);
            byte[] c = chunks.computeIfAbsent(index, i -> new byte[CHUNK]);
            synchronized (c) {
                src.get(c, at, n);
            }
            offset += n;
        }
    }

    @Override
    public void discard(long offset, long length) {
        bytesDiscarded.addAndGet(length);
        long end = offset + length;
        while (offset < end) {
            long index = offset / CHUNK;
            int at = (int) (offset % CHUNK);
            int n = (int) Math.min(end - offset, CHUNK - at);
            if (at == 0 && n == CHUNK) {
                chunks.remove(index);
            } else {
                byte[] c = chunks.get(index);
                if (c != null) {
                    synchronized (c) {
                        Arrays.fill(c, at, at + n, (byte) 0);
                    }
                }
            }
            offset += n;
        }
    }

    /** The first offset (a multiple of {@code align}) where {@code needle} is stored, or -1. */
    long find(byte[] needle, int align) {
        ByteBuffer probe = ByteBuffer.allocate(needle.length);
        for (long off = 0; off + needle.length <= size; off += align) {
            if (!chunks.containsKey(off / CHUNK)) {
                continue;
            }
            probe.clear();
            copyOut(off, probe);
            if (Arrays.equals(probe.array(), needle)) {
                return off;
            }
        }
        return -1;
    }

    /** Memory held by allocated chunks. */
    long allocatedBytes() {
        return (long) chunks.size() * CHUNK;
    }
}
