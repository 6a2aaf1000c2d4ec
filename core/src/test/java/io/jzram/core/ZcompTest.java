// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.backend.ZcompParams;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.hotplug.CpuhpState;
import io.jzram.hotplug.HotplugStorm;
import io.jzram.kernel.Errno;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.module.Module;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The compression frontend: streams per CPU as instances of the block/zram:prepare state. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZcompTest {

    @Test
    void streamsFollowTheCpus() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 4, 3);
            k.modules().register("zram", java.util.Set.of(), self -> new io.jzram.kernel.module.ModuleLoader.ModuleCode() {
                @Override
                public void init() {
                }

                @Override
                public void exit() {
                }
            });
            Module mod = k.modules().load("zram", Map.of());
            assertThat(Zcomp.setupState(hp, mod)).isEqualTo(CpuhpState.ZCOMP_PREPARE);
            assertThat(hp.statesListing()).contains(" 57: block/zram:prepare");
            AtomicLong host = new AtomicLong();
            long before = Machine.chronicleNativeBytes();
            Zcomp c = Zcomp.create(hp, ZcompBackends.builtin().get("lz4"), ZcompParams.defaults(), host);
            assertThat(c.liveStreams()).as("online CPUs only").isEqualTo(3);
            assertThat(c.streamBytes()).isEqualTo(3L * ZcompStrm.BYTES);
            assertThat(host.get()).isEqualTo(3L * ZcompStrm.BYTES);
            assertThat(Machine.chronicleNativeBytes() - before).isEqualTo(3L * ZcompStrm.BYTES);
            hp.cpuUp(3);
            assertThat(c.stream(3).isLive()).isTrue();
            hp.cpuDown(1);
            assertThat(c.stream(1).isLive()).isFalse();
            assertThat(c.liveStreams()).isEqualTo(3);

            hp.placement().pinCurrentThread(2);
            ZcompStrm s = c.streamGet();
            assertThat(s.cpu()).isEqualTo(2);
            assertThat(s.buffer().capacity()).isGreaterThanOrEqualTo(2 * 4096);
            assertThat(s.localCopy().capacity()).isEqualTo(4096);
            ByteBuffer page = ByteBuffer.allocate(4096);
            int n = c.compress(s, page, 0);
            ByteBuffer out = ByteBuffer.allocate(4096);
            c.decompress(s, s.buffer(), 0, n, out, 0);
            c.streamPut(s);
            hp.placement().unpinCurrentThread();

            c.destroy();
            c.destroy();
            assertThat(c.liveStreams()).isZero();
            assertThat(host.get()).isZero();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
            assertThat(hp.instances(CpuhpState.ZCOMP_PREPARE)).isEmpty();
            Zcomp.removeState(hp);
            assertThat(k.log().scan(0).clean()).isTrue();
        }
    }

    @Test
    void deadCallbackWaitsForTheStreamHolder() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 2);
            Zcomp.setupState(hp, null);
            Zcomp c = Zcomp.create(hp, ZcompBackends.builtin().get("zstd"), ZcompParams.defaults(), new AtomicLong());
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread user = new Thread(() -> {
                try {
                    hp.placement().pinCurrentThread(1);
                    ZcompStrm s = c.streamGet();
                    held.countDown();
                    release.await();
                    // the CPU is going down, but this stream is still ours and whole
                    c.compress(s, ByteBuffer.allocate(4096), 0);
                    c.streamPut(s);
                } catch (Throwable e) {
                    err.set(e);
                }
            });
            user.start();
            held.await();
            Thread down = new Thread(() -> hp.cpuDown(1));
            down.start();
            while (k.hungTaskWatchdog().blockedTasks().stream().noneMatch(b -> b.thread() == down)) {
                Thread.onSpinWait();
            }
            assertThat(c.stream(1).isLive()).as("cpu_dead waits on the stream mutex").isTrue();
            release.countDown();
            down.join();
            user.join();
            assertThat(err.get()).isNull();
            assertThat(c.stream(1).isLive()).isFalse();
            // the pinned task lost its CPU and now gets cpu0's stream
            Thread after = new Thread(() -> {
                ZcompStrm s = c.streamGet();
                try {
                    assertThat(s.cpu()).isZero();
                } finally {
                    c.streamPut(s);
                }
            });
            after.start();
            after.join();
            c.destroy();
            Zcomp.removeState(hp);
        }
    }

    @Test
    void addInstanceFailuresFreeEverything() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 2);
            AtomicLong host = new AtomicLong();
            long before = Machine.chronicleNativeBytes();
            expect(Errno.EINVAL, () -> Zcomp.create(hp, ZcompBackends.builtin().get("lz4"), ZcompParams.defaults(), host));
            Zcomp.setupState(hp, null);
            expect(Errno.EINVAL, () -> Zcomp.create(hp, ZcompBackends.builtin().get("lz4"),
                    ZcompParams.builder().dictionary(new byte[] {1}).build(), host));
            assertThat(host.get()).isZero();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
            Zcomp.removeState(hp);
        }
    }

    @Test
    void removingTheStateUnderACompressorLeaksItsStreamsAsTheKernelDoes() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 2);
            Zcomp.setupState(hp, null);
            AtomicLong host = new AtomicLong();
            Zcomp c = Zcomp.create(hp, ZcompBackends.builtin().get("lz4"), ZcompParams.defaults(), host);
            long marker = k.log().marker();
            Zcomp.removeState(hp);
            assertThat(k.log().dmesgSince(marker)).contains("Error: Removing state 57 which has instances left.");
            c.destroy();
            assertThat(host.get()).as("leaked streams stay counted").isEqualTo(2L * ZcompStrm.BYTES);
        }
    }

    @Test
    void pinnedUsersDuringAHotplugStormNeverUseAFreedStream() throws Exception {
        try (Kernel k = Kernel.builder().lockdep(false).build()) {
            CpuHotplug hp = new CpuHotplug(k, 4);
            Zcomp.setupState(hp, null);
            AtomicLong host = new AtomicLong();
            Zcomp c = Zcomp.create(hp, ZcompBackends.builtin().get("lz4"), ZcompParams.defaults(), host);
            HotplugStorm storm = new HotplugStorm(hp, HotplugStorm.allHotpluggable(hp), 0, 7);
            AtomicReference<Throwable> err = new AtomicReference<>();
            List<Thread> users = new ArrayList<>();
            long deadline = System.nanoTime() + 1_500_000_000L;
            AtomicLong uses = new AtomicLong();
            for (int t = 0; t < 3; t++) {
                int cpu = 1 + t;
                Thread u = new Thread(() -> {
                    ByteBuffer page = ByteBuffer.allocate(4096);
                    try {
                        while (System.nanoTime() < deadline) {
                            if (hp.isActive(cpu)) {
                                try {
                                    hp.placement().pinCurrentThread(cpu);
                                } catch (io.jzram.kernel.ErrnoException e) {
                                    // went down in between
                                }
                            }
                            ZcompStrm s = c.streamGet();
                            try {
                                if (!s.isLive()) {
                                    throw new AssertionError("got the freed stream of cpu" + s.cpu());
                                }
                                c.compress(s, page, 0);
                            } finally {
                                c.streamPut(s);
                            }
                            uses.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        err.compareAndSet(null, e);
                    }
                });
                users.add(u);
                u.start();
            }
            storm.start(Duration.ofMillis(1500));
            for (Thread u : users) {
                u.join();
            }
            HotplugStorm.Report r = storm.stop();
            System.out.printf("stream users: %d compressions, %d hotplug toggles, %d stream-get retries, %d migrations%n",
                    uses.get(), r.toggles(), c.streamGetRetries(), hp.placement().migrations());
            assertThat(err.get()).isNull();
            assertThat(r.toggles()).isPositive();
            int prepared = 0;
            for (int cpu = 0; cpu < 4; cpu++) {
                prepared += hp.cpuState(cpu) >= CpuhpState.ZCOMP_PREPARE ? 1 : 0;
            }
            assertThat(c.liveStreams()).isEqualTo(prepared);
            c.destroy();
            assertThat(host.get()).isZero();
            Zcomp.removeState(hp);
        }
    }
}
