// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/**
 * struct queue_limits, the part /sys/block/NAME/queue shows: block sizes, I/O hints, discard and
 * write-zeroes limits (in 512-byte sectors, shown in bytes), rotational. Immutable; the "with"
 * methods return changed copies.
 */
public record QueueLimits(int logicalBlockSize, int physicalBlockSize, int minimumIoSize, int optimalIoSize,
        long discardGranularity, long maxDiscardSectors, long maxWriteZeroesSectors, boolean rotational, int maxSectorsKb) {

    /** UINT_MAX, the "no limit" of max_hw_discard_sectors and max_write_zeroes_sectors. */
    public static final long UINT_MAX = 0xFFFF_FFFFL;

    /** blk_set_default_limits(): 512-byte blocks, no discard, no write-zeroes, rotational. */
    public static QueueLimits defaults() {
        return new QueueLimits(512, 512, 512, 0, 0, 0, 0, true, 1280);
    }

    /**
     * zram's limits: 4 KiB blocks and hints, page-granular discard and write-zeroes without limit,
     * non-rotational; max_sectors_kb 124, as the real 6.18 zram0 shows (a bio-based disk keeps
     * BLK_SAFE_MAX_SECTORS, 255, rounded down to its 4 KiB logical block: 248 sectors).
     */
    public static QueueLimits zram() {
        return new QueueLimits(4096, 4096, 4096, 4096, 4096, UINT_MAX, UINT_MAX, false, 124);
    }

    public QueueLimits withLogicalBlockSize(int size) {
        return new QueueLimits(size, Math.max(size, physicalBlockSize), Math.max(size, minimumIoSize), optimalIoSize,
                discardGranularity, maxDiscardSectors, maxWriteZeroesSectors, rotational, maxSectorsKb);
    }

    public QueueLimits withPhysicalBlockSize(int size) {
        return new QueueLimits(logicalBlockSize, size, Math.max(size, minimumIoSize), optimalIoSize, discardGranularity,
                maxDiscardSectors, maxWriteZeroesSectors, rotational, maxSectorsKb);
    }

    public QueueLimits withDiscard(long granularity, long maxSectors) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, granularity, maxSectors,
                maxWriteZeroesSectors, rotational, maxSectorsKb);
    }

    public QueueLimits withWriteZeroes(long maxSectors) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, discardGranularity,
                maxDiscardSectors, maxSectors, rotational, maxSectorsKb);
    }

    public QueueLimits withRotational(boolean rot) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, discardGranularity,
                maxDiscardSectors, maxWriteZeroesSectors, rot, maxSectorsKb);
    }
}
