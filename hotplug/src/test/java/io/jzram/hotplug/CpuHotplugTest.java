// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.module.KernelOops;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CpuHotplugTest {

    private final Kernel kernel = Kernel.boot();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() {
        kernel.close();
    }

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** A multi state whose callbacks log "up/down STATE cpu instance" and fail on request. */
    private int loggingMultiState(CpuHotplug hp, int state, String name, String failOn) {
        return hp.setupStateMulti(state, name, null,
                (int cpu, Object inst) -> {
                    String e = "up " + name + " cpu" + cpu + " " + inst;
                    if (e.equals(failOn)) {
                        events.add("FAIL " + e);
                        throw new ErrnoException(Errno.ENOMEM, "injected");
                    }
                    events.add(e);
                },
                (int cpu, Object inst) -> events.add("down " + name + " cpu" + cpu + " " + inst));
    }

    @Test
    void cpuUpRunsStatesInOrderAndInstancesNewestFirst() {
        CpuHotplug hp = new CpuHotplug(kernel, 4, 3);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "block/zram:prepare", null);
        int onl = hp.setupState(CpuhpState.AP_ONLINE_DYN, "test:online", null,
                cpu -> events.add("up online cpu" + cpu + " on cpu" + hp.currentCpu()),
                cpu -> events.add("down online cpu" + cpu + " on cpu" + hp.currentCpu() + " online=" + hp.isOnline(cpu)));
        assertThat(prep).isEqualTo(57);
        assertThat(onl).isEqualTo(CpuhpState.AP_ONLINE_DYN);
        assertThat(events).containsExactly("up online cpu0 on cpu0", "up online cpu1 on cpu1", "up online cpu2 on cpu2");
        events.clear();
        hp.addInstance(prep, "A");
        hp.addInstance(prep, "B");
        assertThat(events).containsExactly(
                "up block/zram:prepare cpu0 A", "up block/zram:prepare cpu1 A", "up block/zram:prepare cpu2 A",
                "up block/zram:prepare cpu0 B", "up block/zram:prepare cpu1 B", "up block/zram:prepare cpu2 B");
        events.clear();
        hp.cpuUp(3);
        assertThat(events).containsExactly("up block/zram:prepare cpu3 B", "up block/zram:prepare cpu3 A", "up online cpu3 on cpu3");
        assertThat(hp.cpuState(3)).isEqualTo(CpuhpState.ONLINE);
        events.clear();
        hp.cpuDown(3);
        // ONLINE teardown on the CPU while it is still online; dead callbacks after it stopped
        assertThat(events).containsExactly("down online cpu3 on cpu3 online=true", "down block/zram:prepare cpu3 B",
                "down block/zram:prepare cpu3 A");
        assertThat(hp.cpuState(3)).isZero();
        assertThat(hp.isOnline(3)).isFalse();
        events.clear();
        hp.removeInstance(prep, "A");
        assertThat(events).containsExactly("down block/zram:prepare cpu0 A", "down block/zram:prepare cpu1 A", "down block/zram:prepare cpu2 A");
        assertThat(hp.instances(prep)).containsExactly("B");
        assertThat(hp.statesListing()).contains(" 57: block/zram:prepare\n").contains("  0: offline\n").contains("236: online\n")
                .contains("192: test:online\n");
        assertThat(hp.stats().ups()).isEqualTo(1);
        assertThat(hp.stats().downs()).isEqualTo(1);
    }

    @Test
    void failingInstanceDuringCpuUpRollsEverythingBack() {
        CpuHotplug hp = new CpuHotplug(kernel, 3, 2);
        int early = loggingMultiState(hp, 50, "early:prepare", null);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "zcomp:prepare", "up zcomp:prepare cpu2 B");
        hp.addInstance(early, "E");
        hp.addInstance(prep, "A");
        hp.addInstance(prep, "B");
        hp.addInstance(prep, "C");
        events.clear();
        assertThat(errnoOf(() -> hp.cpuUp(2))).isEqualTo(Errno.ENOMEM);
        // list order C, B, A: C done, B fails -> C rolled back; then state 50 torn down
        assertThat(events).containsExactly("up early:prepare cpu2 E", "up zcomp:prepare cpu2 C", "FAIL up zcomp:prepare cpu2 B",
                "down zcomp:prepare cpu2 C", "down early:prepare cpu2 E");
        assertThat(hp.cpuState(2)).isZero();
        assertThat(hp.isOnline(2)).isFalse();
        assertThat(hp.cpuTarget(2)).isZero();
        assertThat(hp.stats().rollbacks()).isEqualTo(2);
    }

    @Test
    void failingAddInstanceTearsDownTheCpusDoneAndDoesNotAdd() {
        CpuHotplug hp = new CpuHotplug(kernel, 4);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "zcomp:prepare", "up zcomp:prepare cpu2 X");
        events.clear();
        assertThat(errnoOf(() -> hp.addInstance(prep, "X"))).isEqualTo(Errno.ENOMEM);
        assertThat(events).containsExactly("up zcomp:prepare cpu0 X", "up zcomp:prepare cpu1 X", "FAIL up zcomp:prepare cpu2 X",
                "down zcomp:prepare cpu0 X", "down zcomp:prepare cpu1 X");
        assertThat(hp.instances(prep)).isEmpty();
    }

    @Test
    void failureInjectionFailsOnceAndIsChecked() {
        CpuHotplug hp = new CpuHotplug(kernel, 3, 2);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "zcomp:prepare", null);
        hp.addInstance(prep, "A");
        assertThat(hp.cpuFail(2)).isEqualTo(-1);
        assertThat(errnoOf(() -> hp.setCpuFail(1, prep))).as("PREPARE state on an online CPU").isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> hp.setCpuFail(2, 59))).as("no callbacks").isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> hp.setCpuFail(2, 237))).isEqualTo(Errno.EINVAL);
        hp.setCpuFail(2, prep);
        assertThat(hp.cpuFail(2)).isEqualTo(prep);
        events.clear();
        assertThat(errnoOf(() -> hp.cpuUp(2))).isEqualTo(Errno.EAGAIN);
        assertThat(events).isEmpty();
        assertThat(hp.cpuFail(2)).isEqualTo(-1);
        hp.cpuUp(2);
        assertThat(events).containsExactly("up zcomp:prepare cpu2 A");
        // an ONLINE state can be failed on the way down: the CPU is rolled back up
        int onl = hp.setupState(CpuhpState.AP_ONLINE_DYN, "test:online", null, cpu -> events.add("up online cpu" + cpu),
                cpu -> events.add("down online cpu" + cpu));
        int extra = hp.setupState(CpuhpState.AP_ONLINE_DYN, "test2:online", null, cpu -> events.add("up online2 cpu" + cpu),
                cpu -> events.add("down online2 cpu" + cpu));
        hp.setCpuFail(2, onl);
        events.clear();
        assertThat(errnoOf(() -> hp.cpuDown(2))).isEqualTo(Errno.EAGAIN);
        assertThat(events).containsExactly("down online2 cpu2", "up online2 cpu2");
        assertThat(hp.isOnline(2)).isTrue();
        assertThat(hp.isActive(2)).isTrue();
        assertThat(hp.cpuState(2)).isEqualTo(CpuhpState.ONLINE);
        assertThat(extra).isEqualTo(onl + 1);
    }

    @Test
    void removingAMultiStateWithInstancesLeftWarnsAndDropsTheCallbacks() {
        CpuHotplug hp = new CpuHotplug(kernel, 2, 1);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "block/zram:prepare", null);
        hp.addInstance(prep, "leak");
        long marker = kernel.log().marker();
        hp.removeMultiState(prep);
        String dmesg = kernel.log().dmesgSince(marker);
        assertThat(dmesg).contains("------------[ cut here ]------------")
                .contains("Error: Removing state 57 which has instances left.")
                .contains("WARNING: CPU: 0 PID: ").contains("kernel/cpu.c:2489 __cpuhp_remove_state_cpuslocked");
        assertThat(kernel.log().scan(marker).count(SplatKind.WARNING)).isEqualTo(1);
        events.clear();
        hp.cpuUp(1);
        assertThat(events).isEmpty();
        assertThat(errnoOf(() -> hp.addInstance(prep, "late"))).isEqualTo(Errno.EINVAL);
        assertThat(hp.statesListing()).doesNotContain("zram");
        // the state is free again: a reload can set it up
        assertThat(loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "block/zram:prepare", null)).isEqualTo(57);
        assertThat(errnoOf(() -> loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "other", null))).isEqualTo(Errno.EBUSY);
    }

    @Test
    void callbacksOfAnUnloadedModuleOops() {
        CpuHotplug hp = new CpuHotplug(kernel, 2, 1);
        int[] state = new int[1];
        kernel.modules().register("leaky", Set.of(), self -> new ModuleLoader.ModuleCode() {
            @Override
            public void init() {
                state[0] = hp.setupState(CpuhpState.AP_ONLINE_DYN, "leaky:online", self, cpu -> { }, cpu -> { });
            }

            @Override
            public void exit() {
                // forgets cpuhp_remove_state(): its callbacks stay registered
            }
        });
        Module m = kernel.modules().load("leaky", Map.of());
        hp.cpuUp(1);
        kernel.modules().unload("leaky");
        long marker = kernel.log().marker();
        assertThatThrownBy(() -> hp.cpuDown(1)).isInstanceOf(KernelOops.class);
        assertThat(kernel.log().scan(marker).count(SplatKind.BUG)).isEqualTo(1);
        assertThat(kernel.log().dmesgSince(marker)).contains("leaky:online teardown [leaky, unloaded]");
        assertThat(m.isLive()).isFalse();
    }

    @Test
    void cpu0AndTheLastCpuStayUp() {
        CpuHotplug hp = new CpuHotplug(kernel, 2);
        assertThat(hp.isHotpluggable(0)).isFalse();
        assertThat(errnoOf(() -> hp.cpuDown(0))).isEqualTo(Errno.EBUSY);
        hp.cpuDown(1);
        hp.cpuDown(1); // already down: no-op
        hp.cpuUp(1);
        hp.cpuUp(1); // already up: no-op
        assertThat(hp.onlineMask().toString()).isEqualTo("{0, 1}");
        assertThat(errnoOf(() -> hp.cpuUp(2))).isEqualTo(Errno.ENODEV);
        assertThat(hp.stats().ups()).isEqualTo(1);
    }

    @Test
    void tasksArePlacedPinnedAndMigrated() throws Exception {
        CpuHotplug hp = new CpuHotplug(kernel, 4);
        int[] seen = new int[3];
        Thread t = new Thread(() -> {
            hp.placement().pinCurrentThread(3);
            seen[0] = hp.currentCpu();
            hp.cpuDown(3);
            seen[1] = hp.currentCpu();
            seen[2] = hp.currentCpu();
        }, "pinned");
        t.start();
        t.join();
        assertThat(seen[0]).isEqualTo(3);
        assertThat(seen[1]).isNotEqualTo(3).isBetween(0, 2);
        assertThat(seen[2]).isEqualTo(seen[1]);
        assertThat(kernel.log().dmesg()).contains("(pinned) no longer affine to cpu3");
        assertThat(errnoOf(() -> hp.placement().pinCurrentThread(3))).isEqualTo(Errno.EINVAL);
        // new tasks are spread over the active CPUs only
        java.util.Set<Integer> cpus = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread w = new Thread(() -> cpus.add(hp.currentCpu()));
            ts.add(w);
            w.start();
        }
        for (Thread w : ts) {
            w.join();
        }
        assertThat(cpus).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void lockdepIsQuietAboutTheHotplugLockOrder() {
        CpuHotplug hp = new CpuHotplug(kernel, 3);
        int prep = loggingMultiState(hp, CpuhpState.ZCOMP_PREPARE, "zcomp:prepare", null);
        hp.addInstance(prep, "A");
        hp.cpuDown(2);
        hp.cpuUp(2);
        hp.removeInstance(prep, "A");
        hp.removeMultiState(prep);
        assertThat(kernel.log().scan(0).clean()).as(kernel.log().dmesg()).isTrue();
        assertThat(kernel.lockdep().dependencies()).isPositive();
    }
}
