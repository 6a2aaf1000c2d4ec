// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.zsmalloc.ZsPool;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@code zram_meta_alloc()} allocates and {@code zram_meta_free()} frees: the slot table and
 * the zsmalloc pool of one initialisation of a device, plus the queue usage reference through
 * which every request reaches them (see {@link PercpuRef}): freeing kills and drains it first, so
 * no request can touch the pool's memory after it has been given back.
 *
 * <p>Immutable apart from the flags; made and freed under the device's init_lock (except by the
 * {@link ResetVariant#PRE_5_16} reset, which frees it without the lock, as 5.15 did).
 */
final class ZramMeta {
    final long disksize;
    final long nrPages;
    final SlotTable table;
    final ZsPool pool;
    final PercpuRef usage = new PercpuRef();
    final AtomicBoolean freed = new AtomicBoolean();
    final AtomicBoolean uafReported = new AtomicBoolean();

    ZramMeta(long disksize, SlotTable table, ZsPool pool) {
        this.disksize = disksize;
        this.nrPages = disksize >>> SlotTable.PAGE_SHIFT;
        this.table = table;
        this.pool = pool;
    }
}
