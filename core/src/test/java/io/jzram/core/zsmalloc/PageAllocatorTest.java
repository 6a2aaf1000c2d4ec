// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PageAllocatorTest {

    @Test
    void findsRunsAcrossWordBoundaries() {
        long[] used = new long[2];
        used[0] = ~0L >>> 3;          // pages 0..60 used, 61..63 free
        used[1] = ~0L << 5;           // 64..68 free, 69..127 used
        assertThat(PageAllocator.findRun(used, 8)).isEqualTo(61);
        assertThat(PageAllocator.maxRun(used)).isEqualTo(8);
        used[1] |= 1L << 4;           // page 68 used: the run is 61..67 (7 pages)
        assertThat(PageAllocator.findRun(used, 8)).isEqualTo(-1);
        assertThat(PageAllocator.findRun(used, 7)).isEqualTo(61);
        assertThat(PageAllocator.maxRun(used)).isEqualTo(7);
        assertThat(PageAllocator.maxRun(new long[] {~0L, ~0L})).isZero();
        assertThat(PageAllocator.maxRun(new long[] {0L, 0L})).isEqualTo(8);
    }

    @Test
    void allocatesRunsFirstFitAndReusesFreedPages() {
        try (PageAllocator pa = new PageAllocator(64, 0)) {
            Random rnd = new Random(3);
            List<int[]> runs = new ArrayList<>();
            boolean[] taken = new boolean[64 * 64];
            for (int i = 0; i < 400; i++) {
                int n = 1 + rnd.nextInt(8);
                int first = pa.allocate(n);
                for (int p = first; p < first + n; p++) {
                    assertThat(taken[p]).as("page %d handed out twice", p).isFalse();
                    taken[p] = true;
                }
                assertThat((first & 63) + n).as("run stays inside its chunk").isLessThanOrEqualTo(64);
                runs.add(new int[] {first, n});
                if (rnd.nextInt(3) == 0) {
                    int[] r = runs.remove(rnd.nextInt(runs.size()));
                    pa.free(r[0], r[1]);
                    for (int p = r[0]; p < r[0] + r[1]; p++) {
                        taken[p] = false;
                    }
                }
            }
            long used = runs.stream().mapToLong(r -> r[1]).sum();
            assertThat(pa.allocatedPages()).isEqualTo(used);
            for (int[] r : runs) {
                pa.free(r[0], r[1]);
            }
            assertThat(pa.allocatedPages()).isZero();
            assertThat(pa.liveChunks()).isZero();
            assertThat(pa.reservedBytes()).isZero();
            long[] counters = pa.chunkCounters();
            assertThat(counters[0]).isEqualTo(counters[1]).isPositive();
        }
    }
}
