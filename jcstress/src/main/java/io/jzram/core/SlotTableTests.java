// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * The slot lock (ZRAM_ENTRY_LOCK, a CAS'd bit of a slot's flags word, {@link SlotTable}): one
 * slot's three words (handle, flags, ac_time) as a one-slot chunk. In the core's package because
 * SlotTable is package-private by design.
 */
public final class SlotTableTests {

    private SlotTableTests() {
    }

    /** lock, handle + 1, unlock: an update only a holder of the slot lock may make. */
    static void lockedIncrement(long[] slot) {
        long f = SlotTable.lock(slot, 0);
        SlotTable.setHandle(slot, 0, SlotTable.handle(slot, 0) + 1);
        SlotTable.unlock(slot, 0, f);
    }

    @JCStressTest
    @Description("Two lockers increment the handle word under the slot lock: no increment lost, lock bit clear after.")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both increments, one holder at a time")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "two holders at once")
    @Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "the lock bit was left set")
    @State
    public static class LockExclusion {
        private final long[] slot = new long[SlotTable.WORDS];

        @Actor
        public void first() {
            lockedIncrement(slot);
        }

        @Actor
        public void second() {
            lockedIncrement(slot);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = (int) SlotTable.handle(slot, 0);
            r.r2 = (slot[SlotTable.FLAGS] & SlotTable.LOCK) != 0 ? 1 : 0;
        }
    }

    @JCStressTest
    @Description("A writer publishes handle and size under the lock; a locker reads the pair: never half of it.")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader locked first")
    @Outcome(id = "4242, 100", expect = ACCEPTABLE, desc = "the reader locked after the publication")
    @Outcome(id = {"4242, 0", "0, 100"}, expect = FORBIDDEN, desc = "handle and size of different writes")
    @State
    public static class PublishUnderLock {
        private final long[] slot = new long[SlotTable.WORDS];

        @Actor
        public void writer() {
            long f = SlotTable.lock(slot, 0);
            SlotTable.setHandle(slot, 0, 4242);
            SlotTable.unlock(slot, 0, SlotTable.withSize(f, 100));
        }

        @Actor
        public void reader(JJ_Result r) {
            long f = SlotTable.lock(slot, 0);
            r.r1 = SlotTable.handle(slot, 0);
            r.r2 = SlotTable.size(f);
            SlotTable.unlock(slot, 0, f);
        }
    }

    @JCStressTest
    @Description("tryLock vs lock: a tryLock that succeeds is exclusive; one that fails found the lock held.")
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "tryLock got it; both increments")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "tryLock found it held (free-notify's miss_free)")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "tryLock and lock held it at once")
    @Outcome(id = "0, 2", expect = FORBIDDEN, desc = "a failed tryLock changed the slot")
    @State
    public static class TryLockVsLock {
        private final long[] slot = new long[SlotTable.WORDS];

        @Actor
        public void notifier(II_Result r) {
            long f = SlotTable.tryLock(slot, 0);
            if (f >= 0) {
                SlotTable.setHandle(slot, 0, SlotTable.handle(slot, 0) + 1);
                SlotTable.unlock(slot, 0, f);
                r.r1 = 1;
            } else {
                r.r1 = 0;
            }
        }

        @Actor
        public void locker() {
            lockedIncrement(slot);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = (int) SlotTable.handle(slot, 0);
        }
    }
}
