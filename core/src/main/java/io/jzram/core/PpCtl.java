// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.util.Arrays;

/**
 * Post-processing selection ({@code struct zram_pp_ctl} of zram_drv.c, 6.12+): the slots a
 * writeback or recompression scan picked, in buckets by object size ({@code PP_BUCKET_SIZE_RANGE}
 * = 64 bytes, so 65 buckets), taken biggest bucket first and, inside a bucket, last placed first
 * (the kernel adds to the head of each bucket's list). A placed slot carries
 * {@link SlotTable#PP_SLOT}; whoever takes it clears that flag under the slot lock when done.
 *
 * <p>Used by one post-processing run at a time (the device's pp_in_progress); not thread-safe.
 */
final class PpCtl {
    static final int BUCKET_RANGE = 64;
    static final int BUCKETS = SlotTable.PAGE_SIZE / BUCKET_RANGE + 1;

    private final long[][] buckets = new long[BUCKETS][];
    private final int[] counts = new int[BUCKETS];
    private int top = -1;
    private long size;

    /** place_pp_slot(): the caller has set PP_SLOT on the slot. */
    void place(long index, int objSize) {
        int b = Math.min(BUCKETS - 1, objSize / BUCKET_RANGE);
        long[] list = buckets[b];
        if (list == null) {
            list = buckets[b] = new long[16];
        } else if (counts[b] == list.length) {
            list = buckets[b] = Arrays.copyOf(list, list.length * 2);
        }
        list[counts[b]++] = index;
        top = Math.max(top, b);
        size++;
    }

    /** select_pp_slot() + taking it off its list: the next slot, or -1. */
    long take() {
        while (top >= 0 && counts[top] == 0) {
            top--;
        }
        if (top < 0) {
            return -1;
        }
        size--;
        return buckets[top][--counts[top]];
    }

    long size() {
        return size;
    }

    /**
     * The slot flags a {@code type=} selects (0 for none: every slot): those its constant's name
     * parts name, see {@link SlotSelection}.
     */
    static long requiredFlags(SlotSelection selection) {
        if (selection == null) {
            return 0;
        }
        long flags = 0;
        for (String part : selection.name().split("_")) {
            flags |= switch (part) {
                case "IDLE" -> SlotTable.IDLE;
                case "HUGE" -> SlotTable.HUGE;
                case "INCOMPRESSIBLE" -> SlotTable.INCOMPRESSIBLE;
                default -> throw new IllegalArgumentException("no slot flag named " + part + " in " + selection.name());
            };
        }
        return flags;
    }

    /** release_pp_slot(): clears PP_SLOT of slot {@code index} under its slot lock. */
    static void release(ZramMeta m, long index) {
        long[] chunk = m.table.chunkOrNull(index);
        if (chunk == null) {
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
    }

    /** release_pp_ctl(): releases every slot not taken yet. */
    void releaseAll(ZramMeta m) {
        long index;
        while ((index = take()) >= 0) {
            release(m, index);
        }
    }
}
