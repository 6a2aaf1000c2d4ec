// SPDX-License-Identifier: GPL-2.0-only
/**
 * A zsmalloc-style object pool in off-heap memory (mirrors mm/zsmalloc.c).
 *
 * <p>{@link io.jzram.core.zsmalloc.ZsPool} stores variable-sized objects (compressed pages) of up
 * to 4 KiB in zspages of 1..8 contiguous 4 KiB pages, grouped into size classes 16 bytes apart
 * ({@link io.jzram.core.zsmalloc.SizeClassTable}). Objects are named by handles that stay valid
 * when compaction moves the objects. The pages come from
 * {@link io.jzram.core.zsmalloc.PageAllocator}, which takes native memory lazily in large
 * chunks from the machine's {@link io.jzram.core.zsmalloc.FreePages} (mm/page_alloc.c's role:
 * blocks from Chronicle Bytes, freed ones kept mapped up to a bound) and gives empty chunks back.
 *
 * <p>Readers and writers reach an object through a reusable {@link io.jzram.core.zsmalloc.ZsMapping}
 * cursor: a ByteBuffer view of the chunk plus an absolute offset, so codecs work on pool memory
 * without copies and the hot path allocates nothing.
 */
package io.jzram.core.zsmalloc;
