// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * The statistics attributes' show functions of zram_drv.c ({@code mm_stat_show},
 * {@code io_stat_show}, {@code debug_stat_show}, {@code bd_stat_show}), the block layer's
 * {@code stat} of the disk, and {@link ZramMemory}, the emulator's account of what a device holds.
 * They read {@link ZramStats}' counters, which are lock-free, under {@code init_lock} for reading
 * as the kernel does (so a reset never shows half done); {@code stat} reads only the block layer's
 * counters.
 */
final class ZramStatsShow {
    private final ZramState z;

    ZramStatsShow(ZramState z) {
        this.z = z;
    }

    MmStat mmStat() {
        z.initLock.readLock();
        try {
            ZramStats s = z.stats;
            long used = 0;
            long compacted = 0;
            ZramMeta m = z.meta();
            if (z.initDone() && m != null && !m.freed.get()) {
                used = m.pool.totalPages();
                compacted = m.pool.pagesCompacted();
            }
            return new MmStat(s.pagesStored.sum() << SlotTable.PAGE_SHIFT, s.comprDataSize.sum(),
                    used << SlotTable.PAGE_SHIFT, z.limitPages() << SlotTable.PAGE_SHIFT,
                    s.maxUsedPages.get() << SlotTable.PAGE_SHIFT, s.samePages.sum(), compacted,
                    s.hugePages.sum(), s.hugePagesSince.sum());
        } finally {
            z.initLock.readUnlock();
        }
    }

    IoStat ioStat() {
        z.initLock.readLock();
        try {
            return new IoStat(z.stats.failedReads.sum(), z.stats.failedWrites.sum(), z.stats.notifyFree.sum());
        } finally {
            z.initLock.readUnlock();
        }
    }

    DebugStat debugStat() {
        z.initLock.readLock();
        try {
            return new DebugStat(1, z.stats.missFree.sum());
        } finally {
            z.initLock.readUnlock();
        }
    }

    BdStat bdStat() {
        z.initLock.readLock();
        try {
            return new BdStat(z.stats.bdCount.sum(), z.stats.bdReads.sum(), z.stats.bdWrites.sum());
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** The block layer's {@code stat} for the disk; requests in flight are the meta's usage references. */
    BlockStat blockStat() {
        ZramMeta m = z.meta();
        long inFlight = m == null ? 0 : Math.max(0, m.usage.sum());
        return z.partStat.snapshot(inFlight);
    }

    ZramMemory memory() {
        z.initLock.readLock();
        try {
            ZramMeta m = z.meta();
            long streams = 0;
            for (Zcomp c : z.comps()) {
                if (c != null) {
                    streams += c.streamBytes();
                }
            }
            BackingDev bd = z.backing();
            boolean live = m != null && !m.freed.get();
            return new ZramMemory(live ? m.pool.reservedBytes() : 0, live ? m.pool.totalPages() : 0,
                    live ? m.table.heapBytes() : 0, streams, bd == null ? 0 : bd.bitmapBytes());
        } finally {
            z.initLock.readUnlock();
        }
    }
}
