// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.util.EnumSet;

/**
 * The tunable half of a disk's struct request_queue (block/blk-settings.c, blk-sysfs.c): the limits
 * the driver declared ({@link QueueLimits}) plus what a user changed through /sys/block/NAME/queue,
 * and the effective limits blk_validate_limits() derives from both. The parsing and the files are
 * {@link BlkSysfs}; the read-ahead window is the disk's {@code bdi->ra_pages}, which
 * /sys/devices/virtual/bdi/MAJ:MIN/read_ahead_kb shows too.
 *
 * <p>What these settings change in jzram: nothing on the I/O path (jzram's block layer neither
 * splits requests by these limits nor has a page cache to read ahead into); they are the state the
 * files show, with the kernel's checks.
 *
 * <p>Locking: every method is synchronized on this queue (q->limits_lock; a store's update is
 * queue_limits_start_update ... commit_update).
 */
public final class RequestQueue {

    /** VM_READAHEAD_PAGES: 128 KiB. */
    static final long DEFAULT_RA_PAGES = 32;
    /** BLK_DEF_MAX_SECTORS_CAP. */
    static final long BLK_DEF_MAX_SECTORS_CAP = 2560;

    private final QueueLimits hw;
    private long raPages = DEFAULT_RA_PAGES;
    private long maxUserSectors;
    private long maxUserDiscardSectors = QueueLimits.UINT_MAX;
    private boolean discardDisabled;
    private final EnumSet<Flag> flags = EnumSet.noneOf(Flag.class);
    private int nomerges;
    private boolean writeCacheDisabled;

    /** The queue's on/off settings: a file each, 1 or 0 (any non-zero number written turns it on). */
    public enum Flag {
        /** rotational: BLK_FEAT_ROTATIONAL. */
        ROTATIONAL,
        /** add_random: BLK_FEAT_ADD_RANDOM. */
        ADD_RANDOM,
        /** stable_writes: BLK_FEAT_STABLE_WRITES. */
        STABLE_WRITES,
        /** iostats: BLK_FEAT_IO_STAT. */
        IOSTATS,
        /** iostats_passthrough: BLK_FLAG_IOSTATS_PASSTHROUGH. */
        IOSTATS_PASSTHROUGH
    }

    RequestQueue(QueueLimits hw) {
        this.hw = hw;
        setFlag(Flag.ROTATIONAL, hw.rotational());
        setFlag(Flag.ADD_RANDOM, hw.addRandom());
        setFlag(Flag.STABLE_WRITES, hw.stableWrites());
        setFlag(Flag.IOSTATS, hw.ioStat());
    }

    /** What the driver declared. */
    public QueueLimits hardware() {
        return hw;
    }

    private long perBlock() {
        return Math.max(1, hw.logicalBlockSize() >> 9);
    }

    /** max_sectors: the user's cap (or BLK_DEF_MAX_SECTORS_CAP) under max_hw_sectors, in whole logical blocks. */
    public synchronized long maxSectors() {
        long cap = maxUserSectors != 0 ? maxUserSectors : BLK_DEF_MAX_SECTORS_CAP;
        long s = Math.min(hw.maxHwSectorsRounded(), cap);
        return s / perBlock() * perBlock();
    }

    /** max_discard_sectors: min(max_hw_discard_sectors, max_user_discard_sectors). */
    public synchronized long maxDiscardSectors() {
        return Math.min(hw.maxDiscardSectors(), maxUserDiscardSectors);
    }

    /** discard_granularity as the queue has it: 0 once discard is off. */
    public synchronized long discardGranularity() {
        return discardDisabled || hw.maxDiscardSectors() == 0 ? 0 : hw.discardGranularity();
    }

    public synchronized long readAheadKb() {
        return raPages << 2;
    }

    /** Whether a flag is on. */
    public synchronized boolean flag(Flag f) {
        return flags.contains(f);
    }

    public synchronized int nomerges() {
        return nomerges;
    }

    /** Whether the queue reports a volatile write cache ("write back"): BLK_FEAT_WRITE_CACHE, which no disk here has. */
    public synchronized boolean writeBack() {
        return false;
    }

    // ---------------------------------------------------------------- stores (value already parsed)

    /** read_ahead_kb: ra_pages = kb / 4. */
    synchronized void setReadAheadKb(long kb) {
        raPages = kb >> 2;
    }

    /** max_sectors_kb: 0 restores the default; under a page EINVAL (blk_validate_limits). */
    synchronized void setMaxSectorsKb(long kb) {
        long sectors = (kb << 1) & QueueLimits.UINT_MAX; // max_user_sectors is an unsigned int
        if (sectors != 0 && sectors < (PAGE_SIZE >> 9)) {
            throw new ErrnoException(Errno.EINVAL, "max_sectors_kb " + kb + " is under a page");
        }
        maxUserSectors = sectors;
    }

    private static final int PAGE_SIZE = 4096;

    /** discard_max_bytes: a multiple of the granularity (any value but 0 once discard is off). */
    synchronized void setDiscardMaxBytes(long bytes) {
        long gran = discardGranularity();
        long mask = (gran - 1) & QueueLimits.UINT_MAX;
        if ((bytes & mask) != 0) {
            throw new ErrnoException(Errno.EINVAL, "discard_max_bytes " + bytes + " is not a multiple of " + gran);
        }
        maxUserDiscardSectors = bytes >> 9;
        if (Math.min(hw.maxDiscardSectors(), maxUserDiscardSectors) == 0) {
            discardDisabled = true;
        }
    }

    synchronized void setFlag(Flag f, boolean on) {
        if (on) {
            flags.add(f);
        } else {
            flags.remove(f);
        }
    }

    /** nomerges: 2 is QUEUE_FLAG_NOMERGES, any other non-zero QUEUE_FLAG_NOXMERGES (1). */
    synchronized void setNomerges(long v) {
        nomerges = v == 2 ? 2 : v != 0 ? 1 : 0;
    }

    synchronized void setWriteCacheDisabled(boolean disabled) {
        writeCacheDisabled = disabled;
    }

    synchronized boolean writeCacheDisabled() {
        return writeCacheDisabled;
    }
}
