// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/**
 * zsmalloc's size classes and its huge class size, derived the way {@code zs_create_pool()} and
 * {@code calculate_zspage_chain_size()} in mm/zsmalloc.c derive them for 4 KiB pages.
 *
 * <p>Rules (x86-64, 4 KiB pages, CONFIG_ZSMALLOC_CHAIN_SIZE=8):
 * <ul>
 *   <li>Class sizes run from {@code ZS_MIN_ALLOC_SIZE} = 32 bytes in steps of
 *       {@code ZS_SIZE_CLASS_DELTA} = PAGE_SIZE &gt;&gt; 8 = 16 bytes up to 4096: 255 class indices.</li>
 *   <li>A class's zspage is the chain of 1..8 pages that wastes the fewest bytes at its end
 *       ({@code i * 4096 % size}, the first minimum wins); a power-of-two size always takes one
 *       page. {@code objs_per_zspage = pages * 4096 / size}.</li>
 *   <li>Walking from the biggest class down, a class whose pages and objects per zspage equal those
 *       of the class just above it is merged into that (bigger) class.</li>
 *   <li>{@code zs_malloc} adds {@code ZS_HANDLE_SIZE} (8 bytes: the handle is kept in the object's
 *       header) to every request before looking up the class.</li>
 * </ul>
 *
 * <p>Huge class size. Walking down from 4096, every class from 4096 to 3648 needs a zspage of one
 * page holding one object (e.g. 3648: one page wastes 448 bytes, no longer chain wastes less), so
 * they form one "huge" class of 4096-byte objects. The first class that packs more than one object
 * is 3632 (8 pages hold 9 objects, 80 bytes wasted). The kernel sets
 * {@code huge_class_size = 3632 - (ZS_HANDLE_SIZE - 1) = 3625}: a 3624-byte object plus its
 * 8-byte handle is 3632 bytes and still fits the last normal class, a 3625-byte one (3633 with the
 * handle) lands in the huge class. zram stores a page raw when its compressed length is
 * {@code >= 3625}. The corpus README says the kernel's lz4 threshold "behaves like 3,624 bytes":
 * that was fitted on lz4-java output, and the two thresholds differ only for a page that
 * compresses to exactly 3624 bytes (the corpus test prints how many do); 3625 is what the rules
 * give and sits inside the 3,616-3,632 window measured on the real kernel.
 *
 * <p>Immutable; safe to share.
 */
public final class SizeClassTable {
    /** The page size the pool is built for. */
    public static final int PAGE_SIZE = 4096;
    /** ZS_MIN_ALLOC_SIZE on x86-64 (the PFN/index encoding does not raise it above 32). */
    public static final int MIN_ALLOC_SIZE = 32;
    /** ZS_MAX_ALLOC_SIZE: the largest object, one page. */
    public static final int MAX_ALLOC_SIZE = PAGE_SIZE;
    /** ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS (8). */
    public static final int SIZE_CLASS_DELTA = PAGE_SIZE >> 8;
    /** CONFIG_ZSMALLOC_CHAIN_SIZE: the most pages one zspage links. */
    public static final int MAX_PAGES_PER_ZSPAGE = 8;
    /** ZS_HANDLE_SIZE: bytes of handle stored in front of each object of a normal class. */
    public static final int HANDLE_SIZE = 8;
    /** ZS_SIZE_CLASSES: number of class indices (before merging). */
    public static final int CLASS_INDICES = (MAX_ALLOC_SIZE - MIN_ALLOC_SIZE + SIZE_CLASS_DELTA - 1) / SIZE_CLASS_DELTA + 1;

    private static final SizeClassTable KERNEL = new SizeClassTable();

    private final int[] size = new int[CLASS_INDICES];
    private final int[] pagesPerZspage = new int[CLASS_INDICES];
    private final int[] objsPerZspage = new int[CLASS_INDICES];
    /** For each index, the index of the class it was merged into (itself when not merged). */
    private final int[] mergedInto = new int[CLASS_INDICES];
    private final int distinctClasses;
    private final int hugeClassSize;

    private SizeClassTable() {
        int huge = 0;
        int distinct = 0;
        int prev = -1;
        for (int i = CLASS_INDICES - 1; i >= 0; i--) {
            int s = Math.min(MIN_ALLOC_SIZE + i * SIZE_CLASS_DELTA, MAX_ALLOC_SIZE);
            int pages = chainSize(s);
            int objs = pages * PAGE_SIZE / s;
            if (pages != 1 && objs != 1 && huge == 0) {
                huge = s - (HANDLE_SIZE - 1);
            }
            if (prev >= 0 && pagesPerZspage[prev] == pages && objsPerZspage[prev] == objs) {
                mergedInto[i] = prev;
                size[i] = size[prev];
                pagesPerZspage[i] = pages;
                objsPerZspage[i] = objs;
                continue;
            }
            mergedInto[i] = i;
            size[i] = s;
            pagesPerZspage[i] = pages;
            objsPerZspage[i] = objs;
            prev = i;
            distinct++;
        }
        this.distinctClasses = distinct;
        this.hugeClassSize = huge;
    }

    /** The table for the kernel's default configuration (the only one the pool uses). */
    public static SizeClassTable kernelDefault() {
        return KERNEL;
    }

    /** calculate_zspage_chain_size(): the chain length 1..8 with the least tail waste. */
    static int chainSize(int classSize) {
        if (Integer.bitCount(classSize) == 1) {
            return 1;
        }
        int best = 1;
        int minWaste = Integer.MAX_VALUE;
        for (int pages = 1; pages <= MAX_PAGES_PER_ZSPAGE; pages++) {
            int waste = pages * PAGE_SIZE % classSize;
            if (waste < minWaste) {
                minWaste = waste;
                best = pages;
            }
        }
        return best;
    }

    /**
     * zs_huge_class_size(): objects of this many bytes or more end up in the huge class, so zram
     * stores a page whose compressed length reaches it uncompressed. 3625 for 4 KiB pages.
     */
    public int hugeClassSize() {
        return hugeClassSize;
    }

    /** get_size_class_index() for a request of {@code size} bytes, handle included. */
    public int indexFor(int sizeWithHandle) {
        int idx = 0;
        if (sizeWithHandle > MIN_ALLOC_SIZE) {
            idx = (sizeWithHandle - MIN_ALLOC_SIZE + SIZE_CLASS_DELTA - 1) / SIZE_CLASS_DELTA;
        }
        return mergedInto[Math.min(CLASS_INDICES - 1, idx)];
    }

    /** Object size of the class at {@code index} (after merging). */
    public int size(int index) {
        return size[index];
    }

    public int pagesPerZspage(int index) {
        return pagesPerZspage[index];
    }

    public int objsPerZspage(int index) {
        return objsPerZspage[index];
    }

    /** The class index that {@code index} was merged into; {@code index} itself for a distinct class. */
    public int mergedInto(int index) {
        return mergedInto[index];
    }

    /** Number of distinct classes after merging. */
    public int distinctClasses() {
        return distinctClasses;
    }
}
