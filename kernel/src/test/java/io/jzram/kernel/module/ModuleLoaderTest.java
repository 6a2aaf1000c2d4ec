// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModuleLoaderTest {

    /** A module that records what ran and can be told to fail its init or block its exit. */
    static final class Recorder implements ModuleLoader.ModuleCode {
        final Module self;
        final List<String> events;
        final Errno failInit;
        final CountDownLatch exitGate;

        Recorder(Module self, List<String> events, Errno failInit, CountDownLatch exitGate) {
            this.self = self;
            this.events = events;
            this.failInit = failInit;
            this.exitGate = exitGate;
        }

        @Override
        public void init() {
            events.add("init " + self.state() + " n=" + self.param("n", "1"));
            if (failInit != null) {
                throw new ErrnoException(failInit, "init failed on purpose");
            }
        }

        @Override
        public void exit() {
            events.add("exit " + self.state());
            if (exitGate != null) {
                try {
                    exitGate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void refcountRulesAndUnload() {
        try (Kernel k = Kernel.boot()) {
            List<String> events = new ArrayList<>();
            k.modules().register("demo", Set.of("n"), self -> new Recorder(self, events, null, null));
            Module m = k.modules().load("demo", Map.of("n", "4", "bogus", "1"));
            assertThat(events).containsExactly("init COMING n=4");
            assertThat(m.state()).isEqualTo(ModuleState.LIVE);
            assertThat(k.log().dmesg()).contains("demo: unknown parameter 'bogus' ignored");
            assertThatThrownBy(() -> k.modules().load("demo", Map.of())).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EEXIST);
            assertThat(k.modules().modprobe("demo", Map.of())).isSameAs(m);

            assertThat(m.tryGet()).isTrue();
            assertThat(m.refcount()).isEqualTo(1);
            assertThatThrownBy(() -> k.modules().unload("demo")).isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("Module demo is in use")
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EWOULDBLOCK);
            assertThat(m.state()).isEqualTo(ModuleState.LIVE);
            m.put();
            k.modules().unload("demo");
            assertThat(events).containsExactly("init COMING n=4", "exit GOING");
            assertThat(m.state()).isEqualTo(ModuleState.UNLOADED);
            assertThat(m.tryGet()).isFalse();
            assertThatThrownBy(() -> k.modules().unload("demo")).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.ENOENT);
        }
    }

    @Test
    void goingModuleRefusesGetsAndAReloadWaitsForIt() throws Exception {
        try (Kernel k = Kernel.boot()) {
            List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch exitGate = new CountDownLatch(1);
            AtomicReference<CountDownLatch> gate = new AtomicReference<>(exitGate);
            k.modules().register("demo", Set.of(), self -> new Recorder(self, events, null, gate.getAndSet(null)));
            Module m = k.modules().load("demo", Map.of());
            Thread rmmod = new Thread(() -> k.modules().unload("demo"), "rmmod");
            rmmod.start();
            while (m.state() != ModuleState.GOING) {
                Thread.sleep(1);
            }
            assertThat(m.tryGet()).isFalse();
            assertThat(k.modules().linkedInDescription()).isEqualTo("demo(-)");
            assertThatThrownBy(() -> k.modules().unload("demo")).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EBUSY);
            AtomicReference<Module> reloaded = new AtomicReference<>();
            Thread modprobe = new Thread(() -> reloaded.set(k.modules().load("demo", Map.of())), "modprobe");
            modprobe.start();
            Thread.sleep(50);
            assertThat(reloaded.get()).isNull(); // waits for the old one to go
            exitGate.countDown();
            rmmod.join(5000);
            modprobe.join(5000);
            assertThat(reloaded.get()).isNotNull().isNotSameAs(m);
            assertThat(reloaded.get().state()).isEqualTo(ModuleState.LIVE);
        }
    }

    @Test
    void failedInitLeavesNothing() {
        try (Kernel k = Kernel.boot()) {
            k.modules().register("bad", Set.of(), self -> new Recorder(self, new ArrayList<>(), Errno.ENOMEM, null));
            assertThatThrownBy(() -> k.modules().load("bad", Map.of())).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.ENOMEM);
            assertThat(k.modules().find("bad")).isEmpty();
            assertThatThrownBy(() -> k.modules().load("nosuch", Map.of())).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.ENOENT);
        }
    }

    @Test
    void callingIntoAnUnloadedModuleOopses() {
        try (Kernel k = Kernel.boot()) {
            k.modules().register("zram", Set.of(), self -> new Recorder(self, new ArrayList<>(), null, null));
            Module m = k.modules().load("zram", Map.of());
            Runnable callback = () -> m.enterText("zcomp_cpu_dead");
            callback.run(); // live: fine
            long marker = k.log().marker();
            k.modules().unload("zram");
            assertThatThrownBy(callback::run).isInstanceOf(KernelOops.class).hasMessageContaining("zcomp_cpu_dead");
            String dmesg = k.log().dmesgSince(marker);
            assertThat(dmesg).contains("BUG: unable to handle page fault for address: ffffffffc0a")
                    .contains("#PF: supervisor instruction fetch in kernel mode")
                    .contains("Oops: 0010 [#1] SMP NOPTI")
                    .contains("zcomp_cpu_dead [zram, unloaded]");
            assertThat(k.log().scan(marker).count(SplatKind.BUG)).as(k.log().scan(marker).describe()).isEqualTo(1);
            assertThat(k.log().scan(marker).count(SplatKind.OOPS)).isEqualTo(1);
            assertThat(k.taints()).contains("D");
        }
    }
}
