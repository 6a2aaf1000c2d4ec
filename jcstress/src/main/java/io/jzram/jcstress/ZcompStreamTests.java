// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.jzram.core.Zcomp;
import io.jzram.core.ZcompStrm;
import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.backend.ZcompParams;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Per-CPU compression streams vs CPU hotplug: a writer on cpu1 gets its stream while cpu1 goes
 * down (whose dead callback takes the stream's mutex and frees its buffers). The writer must never
 * hold a stream whose buffers are freed: it either uses cpu1's stream before the callback frees it,
 * or runs on cpu0 from the start, or (6.15+) finds the stream freed between lookup and lock and
 * retries on cpu0. Each state is a two-CPU machine with one lz4 compressor.
 */
public final class ZcompStreamTests {

    private ZcompStreamTests() {
    }

    @JCStressTest
    @Description("streamGet on a CPU that goes down: the writer's stream keeps its buffers while held.")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "used cpu1's stream before cpu1's dead callback freed it")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "cpu1 was down before the lookup: used cpu0's stream")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE_INTERESTING, desc = "looked up cpu1, found its stream freed, retried on cpu0")
    @Outcome(id = "0, .*", expect = FORBIDDEN, desc = "used a stream whose buffers were freed")
    @Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "retried, yet holds the dead CPU's stream")
    @State
    public static class StreamGetVsCpuDead {
        private final Kernel kernel = Kernel.builder().lockdep(false).logCapacity(64).build();
        private final CpuHotplug hotplug = new CpuHotplug(kernel, 2);
        private final Zcomp comp;

        public StreamGetVsCpuDead() {
            Zcomp.setupState(hotplug, null);
            comp = Zcomp.create(hotplug, ZcompBackends.builtin().get("lz4"), ZcompParams.defaults(), new AtomicLong());
        }

        @Actor
        public void writer(III_Result r) {
            try {
                hotplug.placement().pinCurrentThread(1);
            } catch (ErrnoException e) {
                // cpu1 is already down: run where the scheduler puts us
            }
            ZcompStrm s = comp.streamGet();
            int ok;
            try {
                ByteBuffer b = s.buffer();
                ok = b != null ? 1 : 0;
                if (b != null) {
                    b.put(0, (byte) 0x5a);
                    b.put(8191, (byte) 0xa5);
                    ok = b.get(0) == 0x5a && b.get(8191) == (byte) 0xa5 && s.buffer() == b && s.isLive() ? 1 : 0;
                }
            } finally {
                comp.streamPut(s);
            }
            r.r1 = ok;
            r.r2 = s.cpu() == 1 ? 1 : 0;
            r.r3 = comp.streamGetRetries() > 0 ? 1 : 0;
            hotplug.placement().unpinCurrentThread();
        }

        @Actor
        public void hotplug() {
            hotplug.cpuDown(1);
        }

        @Arbiter
        public void arbiter(III_Result r) {
            if (comp.liveStreams() != 1) {
                r.r1 = 0;
            }
            comp.destroy();
            Zcomp.removeState(hotplug);
            kernel.close();
        }
    }
}
