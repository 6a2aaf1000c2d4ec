// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The class lock's rule ({@code class->lock} guards the class's counts and lists) is checked. */
@Timeout(60)
class SizeClassLockTest {

    @Test
    void guardedHelpersAssertTheClassLock() {
        SizeClassTable t = SizeClassTable.kernelDefault();
        int i = t.indexFor(108);
        try (PageAllocator pages = new PageAllocator(64, 0)) {
            SizeClass c = new SizeClass(i, t.size(i), t.pagesPerZspage(i), t.objsPerZspage(i), pages);
            // zs_can_compact() reads the counts that allocation and free change under class->lock
            assertThatThrownBy(c::pagesFreeable).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("assert_spin_locked");
            c.lock.lock();
            try {
                assertThat(c.pagesFreeable()).isZero();
            } finally {
                c.lock.unlock();
            }
            // the public paths take the lock themselves: allocate, free, compact, stats stay silent
            long h = c.allocate();
            assertThat(c.stats().objsUsed()).isEqualTo(1);
            c.free(h);
            assertThat(c.compact()).isZero();
        }
    }
}
