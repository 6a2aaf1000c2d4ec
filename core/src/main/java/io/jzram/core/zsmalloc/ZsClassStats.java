// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/**
 * A snapshot of one size class, the columns of the kernel's
 * {@code /sys/kernel/debug/zsmalloc/<pool>/classes} table.
 *
 * @param index class index (0..254) of the class after merging
 * @param size object size in bytes, handle header included
 * @param pagesPerZspage pages linked per zspage
 * @param objsPerZspage objects per zspage
 * @param zspages zspages allocated
 * @param objsAllocated object capacity of those zspages
 * @param objsUsed objects allocated
 * @param pages pages held by the class
 * @param pagesFreeable pages compaction could free (zs_can_compact)
 * @param zspagesPerFullnessGroup zspages on each fullness list (0 = empty, 1..10 by tenths, 11 = full),
 *     isolated ones not counted
 */
public record ZsClassStats(int index, int size, int pagesPerZspage, int objsPerZspage, long zspages,
        long objsAllocated, long objsUsed, long pages, long pagesFreeable, int[] zspagesPerFullnessGroup) {
}
