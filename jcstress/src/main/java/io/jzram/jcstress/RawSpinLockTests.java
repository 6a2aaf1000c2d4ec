// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.jzram.kernel.locking.RawSpinLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/** {@link RawSpinLock}: mutual exclusion, tryLock, and what a holder sees of the last holder's writes. */
public final class RawSpinLockTests {

    private RawSpinLockTests() {
    }

    @JCStressTest
    @Description("Two holders increment a plain field under the lock: no increment may be lost.")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments, one holder at a time")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "two holders at once: an increment was lost")
    @State
    public static class MutualExclusion {
        private final RawSpinLock lock = new RawSpinLock();
        private int x;

        private void increment() {
            lock.lock();
            try {
                x++;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void first() {
            increment();
        }

        @Actor
        public void second() {
            increment();
        }

        @Arbiter
        public void arbiter(I_Result r) {
            r.r1 = lock.isLocked() ? -1 : x;
        }
    }

    @JCStressTest
    @Description("Two tryLocks of a free lock: exactly one succeeds.")
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one of them got it")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both got it")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "neither got a free lock")
    @State
    public static class TryLockExclusion {
        private final RawSpinLock lock = new RawSpinLock();

        @Actor
        public void first(II_Result r) {
            r.r1 = lock.tryLock() ? 1 : 0;
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = lock.tryLock() ? 1 : 0;
        }
    }

    @JCStressTest
    @Description("A holder writes two fields; a tryLock that succeeds sees both or neither (acquire/release).")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "tryLock before the other section")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "tryLock after the other section")
    @Outcome(id = "-1, -1", expect = ACCEPTABLE_INTERESTING, desc = "tryLock found the lock held")
    @Outcome(id = {"1, 0", "0, 1"}, expect = FORBIDDEN, desc = "saw half of a critical section")
    @State
    public static class SectionsAreAtomic {
        private final RawSpinLock lock = new RawSpinLock();
        private int x;
        private int y;

        @Actor
        public void writer() {
            lock.lock();
            try {
                x = 1;
                y = 1;
            } finally {
                lock.unlock();
            }
        }

        @Actor
        public void reader(II_Result r) {
            if (lock.tryLock()) {
                try {
                    r.r1 = y;
                    r.r2 = x;
                } finally {
                    lock.unlock();
                }
            } else {
                r.r1 = -1;
                r.r2 = -1;
            }
        }
    }
}
