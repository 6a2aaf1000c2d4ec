// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link PercpuRef} (the queue usage counter): tryGet races kill. These tests live in the core's
 * package (in the jcstress module) because the class is package-private by design.
 */
public final class PercpuRefTests {

    private PercpuRefTests() {
    }

    @JCStressTest
    @Description("tryGet vs kill (Dekker): a get that succeeds is in the sum the killer reads afterwards.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "got it before the kill; the killer counts it")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "killed first: the get fails and backs out")
    @Outcome(id = "0, 1", expect = ACCEPTABLE_INTERESTING, desc = "the killer saw the increment of a get that then saw the kill and backed out")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "a live reference the drain would not wait for")
    @State
    public static class TryGetVsKill {
        private final PercpuRef ref = new PercpuRef();

        @Actor
        public void request(II_Result r) {
            r.r1 = ref.tryGet() ? 1 : 0;
        }

        @Actor
        public void teardown(II_Result r) {
            ref.kill();
            r.r2 = (int) ref.sum();
        }
    }

    @JCStressTest
    @Description("A request that got in writes, then puts; teardown kills and drains: it sees the write or the get failed.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the request ran; the drain waited for it")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "killed first: the request did not get in")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "the drain returned while the request was in")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "a refused request ran")
    @State
    public static class DrainWaitsForRequests {
        private final PercpuRef ref = new PercpuRef();
        private int data;

        @Actor
        public void request(II_Result r) {
            if (ref.tryGet()) {
                data = 1;
                ref.put();
                r.r1 = 1;
            } else {
                r.r1 = 0;
            }
        }

        @Actor
        public void teardown(II_Result r) {
            ref.kill();
            ref.drain();
            r.r2 = data;
        }
    }
}
