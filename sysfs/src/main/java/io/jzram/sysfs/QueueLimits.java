// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/**
 * struct queue_limits as a driver hands it to blk_alloc_disk(): the hardware side of
 * /sys/block/NAME/queue (block sizes, I/O hints, the transfer, segment, discard and write-zeroes
 * limits, sectors of 512 bytes) and the features it declares (BLK_FEAT_*). What a user changes
 * later (max_sectors_kb, discard_max_bytes, rotational, ...) lives in the disk's
 * {@link RequestQueue}, which starts from these. Immutable; the "with" methods return changed
 * copies.
 *
 * @param logicalBlockSize logical_block_size
 * @param physicalBlockSize physical_block_size
 * @param minimumIoSize io_min
 * @param optimalIoSize io_opt
 * @param discardGranularity discard_granularity, bytes
 * @param maxDiscardSectors max_hw_discard_sectors (0: no discard)
 * @param maxWriteZeroesSectors max_write_zeroes_sectors
 * @param rotational BLK_FEAT_ROTATIONAL
 * @param maxHwSectors max_hw_sectors, before rounding down to the logical block size
 * @param maxSegments max_segments
 * @param maxSegmentSize max_segment_size, bytes
 * @param maxDiscardSegments max_discard_segments
 * @param dmaAlignment dma_alignment (a mask)
 * @param stableWrites BLK_FEAT_STABLE_WRITES
 * @param ioStat BLK_FEAT_IO_STAT (the {@code iostats} file)
 * @param addRandom BLK_FEAT_ADD_RANDOM
 */
public record QueueLimits(int logicalBlockSize, int physicalBlockSize, int minimumIoSize, int optimalIoSize,
        long discardGranularity, long maxDiscardSectors, long maxWriteZeroesSectors, boolean rotational, long maxHwSectors,
        int maxSegments, int maxSegmentSize, int maxDiscardSegments, int dmaAlignment, boolean stableWrites, boolean ioStat,
        boolean addRandom) {

    /** UINT_MAX, the "no limit" of max_hw_discard_sectors and max_write_zeroes_sectors. */
    public static final long UINT_MAX = 0xFFFF_FFFFL;
    /** BLK_SAFE_MAX_SECTORS, the max_hw_sectors a driver that sets none gets. */
    public static final long BLK_SAFE_MAX_SECTORS = 255;
    /** BLK_MAX_SEGMENTS. */
    public static final int BLK_MAX_SEGMENTS = 128;
    /** BLK_MAX_SEGMENT_SIZE. */
    public static final int BLK_MAX_SEGMENT_SIZE = 65536;

    /** blk_set_default_limits() for a bio-based disk: 512-byte blocks, no discard, no write-zeroes, rotational. */
    public static QueueLimits defaults() {
        return new QueueLimits(512, 512, 512, 0, 0, 0, 0, true, BLK_SAFE_MAX_SECTORS, BLK_MAX_SEGMENTS, BLK_MAX_SEGMENT_SIZE,
                1, 511, false, false, false);
    }

    /**
     * zram_add()'s limits: 4 KiB logical and physical blocks and I/O hints, page-granular discard
     * and write-zeroes without limit, BLK_FEAT_STABLE_WRITES (and BLK_FEAT_SYNCHRONOUS, which has no
     * file), not rotational; the transfer and segment limits are the defaults (so max_sectors_kb is
     * 124: BLK_SAFE_MAX_SECTORS rounded down to the 4 KiB block), as the real 6.18 zram0 shows.
     */
    public static QueueLimits zram() {
        return new QueueLimits(4096, 4096, 4096, 4096, 4096, UINT_MAX, UINT_MAX, false, BLK_SAFE_MAX_SECTORS, BLK_MAX_SEGMENTS,
                BLK_MAX_SEGMENT_SIZE, 1, 511, true, false, false);
    }

    /** max_hw_sectors rounded down to whole logical blocks, as blk_validate_limits() leaves it. */
    public long maxHwSectorsRounded() {
        long perBlock = Math.max(1, logicalBlockSize >> 9);
        return maxHwSectors / perBlock * perBlock;
    }

    /** max_sectors_kb as a fresh queue shows it. */
    public long maxSectorsKb() {
        return maxHwSectorsRounded() >> 1;
    }

    public QueueLimits withLogicalBlockSize(int size) {
        return new QueueLimits(size, Math.max(size, physicalBlockSize), Math.max(size, minimumIoSize), optimalIoSize,
                discardGranularity, maxDiscardSectors, maxWriteZeroesSectors, rotational, maxHwSectors, maxSegments,
                maxSegmentSize, maxDiscardSegments, dmaAlignment, stableWrites, ioStat, addRandom);
    }

    public QueueLimits withPhysicalBlockSize(int size) {
        return new QueueLimits(logicalBlockSize, size, Math.max(size, minimumIoSize), optimalIoSize, discardGranularity,
                maxDiscardSectors, maxWriteZeroesSectors, rotational, maxHwSectors, maxSegments, maxSegmentSize,
                maxDiscardSegments, dmaAlignment, stableWrites, ioStat, addRandom);
    }

    public QueueLimits withDiscard(long granularity, long maxSectors) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, granularity, maxSectors,
                maxWriteZeroesSectors, rotational, maxHwSectors, maxSegments, maxSegmentSize, maxDiscardSegments,
                dmaAlignment, stableWrites, ioStat, addRandom);
    }

    public QueueLimits withWriteZeroes(long maxSectors) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, discardGranularity,
                maxDiscardSectors, maxSectors, rotational, maxHwSectors, maxSegments, maxSegmentSize, maxDiscardSegments,
                dmaAlignment, stableWrites, ioStat, addRandom);
    }

    public QueueLimits withRotational(boolean rot) {
        return new QueueLimits(logicalBlockSize, physicalBlockSize, minimumIoSize, optimalIoSize, discardGranularity,
                maxDiscardSectors, maxWriteZeroesSectors, rot, maxHwSectors, maxSegments, maxSegmentSize, maxDiscardSegments,
                dmaAlignment, stableWrites, ioStat, addRandom);
    }
}
