// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * {@code /sys/block/zramN/mm_stat}: the nine memory counters, in bytes except the page counts.
 *
 * @param origDataSize uncompressed bytes stored (pages stored × 4096, written-back pages included)
 * @param comprDataSize compressed bytes stored (huge pages count 4096)
 * @param memUsedTotal pool pages × 4096 (allocator overhead and fragmentation included)
 * @param memLimit the mem_limit in bytes (0 = none)
 * @param memUsedMax the peak of memUsedTotal since initialisation or the last reset of the peak
 * @param samePages same-filled pages (no memory allocated)
 * @param pagesCompacted pool pages freed by compaction
 * @param hugePages pages stored uncompressed now
 * @param hugePagesSince pages stored uncompressed since initialisation
 */
public record MmStat(long origDataSize, long comprDataSize, long memUsedTotal, long memLimit, long memUsedMax,
        long samePages, long pagesCompacted, long hugePages, long hugePagesSince) {

    /**
     * The line as the kernel prints it ({@code %8llu ...\n}).
     *
     * @return the nine fields and a newline
     */
    public String sysfsLine() {
        return String.format("%8d %8d %8d %8d %8d %8d %8d %8d %8d", origDataSize, comprDataSize, memUsedTotal, memLimit,
                memUsedMax, samePages, pagesCompacted, hugePages, hugePagesSince) + "\n";
    }
}
