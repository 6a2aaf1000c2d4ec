// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.ActiveRefCount;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link ActiveRefCount} (kernfs {@code kn->active}): a get after deactivate fails, and a drain
 * returns only when every reference got before the deactivation is put.
 */
public final class ActiveRefCountTests {

    private ActiveRefCountTests() {
    }

    /** A kernel for one state: no lockdep, the smallest log; its watchdog starts only if a drain sleeps. */
    static Kernel smallKernel() {
        return Kernel.builder().lockdep(false).logCapacity(16).build();
    }

    @JCStressTest
    @Description("tryGet races deactivate: a get either precedes the deactivation (and is counted) or fails.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "got before deactivate; the remover counts it")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "deactivated first: the get fails")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "a reference the remover does not see (it would not drain it)")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "a failed get counted")
    @State
    public static class GetVsDeactivate {
        private final ActiveRefCount ref = new ActiveRefCount(smallKernel(), null, "jcstress");

        @Actor
        public void user(II_Result r) {
            r.r1 = ref.tryGet() ? 1 : 0;
        }

        @Actor
        public void remover(II_Result r) {
            ref.deactivate();
            r.r2 = ref.count();
        }
    }

    @JCStressTest
    @Description("A holder writes, then puts; the remover deactivates and drains: it must see the write.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "drain returned after the put; nothing held")
    @Outcome(id = {"0, 0", "0, 1"}, expect = FORBIDDEN, desc = "drain returned while the reference was still held")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "a reference left after the drain")
    @State
    public static class DrainWaitsForPut {
        private final Kernel kernel = smallKernel();
        private final ActiveRefCount ref = new ActiveRefCount(kernel, null, "jcstress");
        private int data;

        public DrainWaitsForPut() {
            if (!ref.tryGet()) {
                throw new IllegalStateException("a fresh count refused a get");
            }
        }

        @Actor
        public void holder() {
            data = 1;
            ref.put();
        }

        @Actor
        public void remover(II_Result r) {
            ref.deactivate();
            ref.drain();
            r.r1 = data;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = ref.count();
            kernel.close();
        }
    }
}
