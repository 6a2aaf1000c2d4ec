// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import java.nio.ByteBuffer;

/**
 * A reusable cursor onto one mapped pool object: the kernel's per-CPU mapping area behind
 * {@code zs_obj_read_begin()}/{@code zs_obj_write()}, minus the copy, because zspages here are
 * contiguous. {@link ZsPool#map} fills it in and holds the object in place (counted on the pool's
 * fast path, or with its zspage's read lock while a compaction runs: either way compaction cannot
 * move it), {@link ZsPool#unmap} releases it.
 *
 * <p>{@link #buffer()} is the whole chunk's view, shared by every thread: use absolute-index
 * operations only (never position, limit, flip or slice-by-position on it). The object occupies
 * {@code [offset(), offset() + capacity())}; the caller knows how many of those bytes it stored.
 * The buffer is in native byte order.
 *
 * <p>Not thread-safe: one cursor per thread (zram keeps one per compression stream). Holding a
 * mapping blocks compaction of that zspage only, not allocation or freeing; keep it short and do
 * not free the mapped handle while it is mapped.
 */
public final class ZsMapping {
    ByteBuffer buffer;
    int offset;
    int capacity;
    long handle;
    Zspage zspage;
    /** The pool's fast-path cell this mapping counts in, or -1: it holds {@link #zspage}'s read lock. */
    int fastCell = -1;

    public ZsMapping() {
    }

    /** The chunk view holding the object (absolute indexing only). */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute offset of the object's first byte in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Bytes available to the object: its class size less the in-memory handle header. */
    public int capacity() {
        return capacity;
    }

    /** The mapped handle, 0 when nothing is mapped. */
    public long handle() {
        return handle;
    }

    public boolean isMapped() {
        return zspage != null;
    }

    void clear() {
        buffer = null;
        zspage = null;
        handle = 0;
        offset = 0;
        capacity = 0;
        fastCell = -1;
    }
}
