// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.locking.HungTaskWatchdog.BlockedTask;
import io.jzram.kernel.locking.Waitable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The storm's deadlock report: a lock cycle in the hung-task wait chain, or only a timeout. */
class WaitCycleTest {

    private static Waitable heldBy(String name, Thread... holders) {
        return new Waitable() {
            @Override
            public String waitKind() {
                return "a mutex";
            }

            @Override
            public String waitName() {
                return name;
            }

            @Override
            public List<Thread> holders() {
                return List.of(holders);
            }
        };
    }

    @Test
    void aWaitChainThatClosesIsACycle() {
        Thread rmmod = new Thread(() -> { }, "rmmod");
        Thread store = new Thread(() -> { }, "sysfs-0");
        Thread bystander = new Thread(() -> { }, "reader");
        List<BlockedTask> blocked = List.of(
                new BlockedTask(bystander, heldBy("kn->active", rmmod), 0),
                new BlockedTask(rmmod, heldBy("kn->active#3", store, rmmod), 0),
                new BlockedTask(store, heldBy("zram_index_mutex", rmmod), 0));
        List<Thread> cycle = DeadlockBreaker.waitCycle(blocked);
        assertThat(cycle).extracting(Thread::getName).containsExactly("rmmod", "sysfs-0", "rmmod");
    }

    @Test
    void aChainEndingAtARunningHolderIsNoCycle() {
        Thread a = new Thread(() -> { }, "a");
        Thread b = new Thread(() -> { }, "b");
        Thread running = new Thread(() -> { }, "running");
        List<BlockedTask> blocked = List.of(
                new BlockedTask(a, heldBy("m1", b), 0),
                new BlockedTask(b, heldBy("m2", running), 0));
        assertThat(DeadlockBreaker.waitCycle(blocked)).isNull();
        assertThat(DeadlockBreaker.waitCycle(List.of(new BlockedTask(a, heldBy("drain"), 0)))).isNull();
    }
}
