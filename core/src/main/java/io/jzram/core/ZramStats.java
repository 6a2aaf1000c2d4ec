// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code struct zram_stats} of drivers/block/zram/zram_drv.h: striped counters (one LongAdder
 * each, so concurrent writers on different CPUs do not share a cache line) and the CAS-raised
 * peak of pool pages. Reading sums the stripes. Lock-free; zeroed by reset ({@code memset}).
 */
final class ZramStats {
    final LongAdder comprDataSize = new LongAdder();
    final LongAdder pagesStored = new LongAdder();
    final LongAdder samePages = new LongAdder();
    final LongAdder hugePages = new LongAdder();
    final LongAdder hugePagesSince = new LongAdder();
    final LongAdder failedReads = new LongAdder();
    final LongAdder failedWrites = new LongAdder();
    final LongAdder notifyFree = new LongAdder();
    final LongAdder missFree = new LongAdder();
    final LongAdder bdCount = new LongAdder();
    final LongAdder bdReads = new LongAdder();
    final LongAdder bdWrites = new LongAdder();
    final AtomicLong maxUsedPages = new AtomicLong();

    /** update_used_max(): raises the peak to {@code pages} if it is higher (CAS loop). */
    void updateUsedMax(long pages) {
        long cur = maxUsedPages.get();
        while (cur < pages) {
            long witness = maxUsedPages.compareAndExchange(cur, pages);
            if (witness == cur) {
                return;
            }
            cur = witness;
        }
    }

    /** memset(&zram->stats, 0, ...). */
    void reset() {
        comprDataSize.reset();
        pagesStored.reset();
        samePages.reset();
        hugePages.reset();
        hugePagesSince.reset();
        failedReads.reset();
        failedWrites.reset();
        notifyFree.reset();
        missFree.reset();
        bdCount.reset();
        bdReads.reset();
        bdWrites.reset();
        maxUsedPages.set(0);
    }
}
