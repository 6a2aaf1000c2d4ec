// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SizeClassTableTest {
    private final SizeClassTable t = SizeClassTable.kernelDefault();

    @Test
    void hugeClassSizeIsDerivedFromTheLastClassThatPacksSeveralObjects() {
        // 3648..4096 all need one page per object: they form the huge class (merged into 4096).
        for (int size = 3648; size <= 4096; size += 16) {
            int i = (size - 32) / 16;
            assertThat(t.pagesPerZspage(i)).as("pages for %d", size).isEqualTo(1);
            assertThat(t.objsPerZspage(i)).as("objs for %d", size).isEqualTo(1);
            assertThat(t.mergedInto(i)).as("class %d merged into 4096", size).isEqualTo(254);
        }
        // 3632 is the biggest class that packs more than one object: 9 objects in 8 pages.
        int i3632 = (3632 - 32) / 16;
        assertThat(t.pagesPerZspage(i3632)).isEqualTo(8);
        assertThat(t.objsPerZspage(i3632)).isEqualTo(9);
        // huge_class_size = 3632 - (ZS_HANDLE_SIZE - 1)
        assertThat(t.hugeClassSize()).isEqualTo(3625);
        // a 3624-byte object plus its handle fits class 3632, a 3625-byte one goes huge
        assertThat(t.size(t.indexFor(3624 + SizeClassTable.HANDLE_SIZE))).isEqualTo(3632);
        assertThat(t.size(t.indexFor(3625 + SizeClassTable.HANDLE_SIZE))).isEqualTo(4096);
    }

    @Test
    void classesFollowTheKernelRules() {
        assertThat(SizeClassTable.CLASS_INDICES).isEqualTo(255);
        assertThat(SizeClassTable.SIZE_CLASS_DELTA).isEqualTo(16);
        // 32 is a power of two: one page, 128 objects
        assertThat(t.pagesPerZspage(0)).isEqualTo(1);
        assertThat(t.objsPerZspage(0)).isEqualTo(128);
        // 48: 3 pages hold 256 objects exactly
        assertThat(t.pagesPerZspage(1)).isEqualTo(3);
        assertThat(t.objsPerZspage(1)).isEqualTo(256);
        // every class is at most 8 pages, sizes are multiples of 16, merging keeps the bigger size
        for (int i = 0; i < SizeClassTable.CLASS_INDICES; i++) {
            assertThat(t.pagesPerZspage(i)).isBetween(1, 8);
            assertThat(t.size(i) % 16).isZero();
            assertThat(t.size(i)).isGreaterThanOrEqualTo(32 + 16 * i);
            assertThat(t.objsPerZspage(i)).isEqualTo(t.pagesPerZspage(i) * 4096 / t.size(i));
        }
        // distinct classes after merging: computed independently from the same rules
        assertThat(t.distinctClasses()).isEqualTo(119);
        // lookups round up to the next class
        assertThat(t.size(t.indexFor(1))).isEqualTo(32);
        assertThat(t.size(t.indexFor(33))).isEqualTo(48);
        assertThat(t.size(t.indexFor(4096))).isEqualTo(4096);
    }

    @Test
    void chainSizeChoosesLeastWaste() {
        assertThat(SizeClassTable.chainSize(4096)).isEqualTo(1);
        assertThat(SizeClassTable.chainSize(2048)).isEqualTo(1);
        assertThat(SizeClassTable.chainSize(3632)).isEqualTo(8); // waste 80 at 8 pages
        assertThat(SizeClassTable.chainSize(2064)).isEqualTo(8); // 15 objects in 8 pages
        assertThat(SizeClassTable.chainSize(3648)).isEqualTo(1);
    }
}
