// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HungTaskWatchdogTest {

    @Test
    void reportsAStuckTaskWithItsBlockerThenTheTestBreaksIt() throws Exception {
        try (Kernel k = Kernel.builder().hungTaskTimeout(Duration.ofMillis(300)).build()) {
            Mutex m = new Mutex(k, "stuck_mutex");
            m.lock();
            AtomicReference<Errno> result = new AtomicReference<>();
            Thread victim = new Thread(() -> {
                try {
                    m.lock();
                    m.unlock();
                } catch (ErrnoException e) {
                    result.set(e.errno());
                }
            }, "victim");
            victim.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (k.hungTaskWatchdog().reports() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(k.hungTaskWatchdog().reports()).isEqualTo(1);
            String dmesg = k.log().dmesg();
            assertThat(dmesg).contains("INFO: task victim:" + Kernel.pid(victim) + " blocked for more than 1 seconds.")
                    .contains("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.")
                    .contains("is blocked on a mutex stuck_mutex likely owned by task " + Kernel.comm(Thread.currentThread()))
                    .contains("Showing all locks held in the system:")
                    .contains("(stuck_mutex){+.+.}-{4:4}");
            assertThat(k.log().scan(0).count(SplatKind.HUNG_TASK)).isEqualTo(1);
            assertThat(k.hungTaskWatchdog().blockedTasks()).extracting(HungTaskWatchdog.BlockedTask::thread).contains(victim);
            victim.interrupt();
            victim.join(5000);
            assertThat(victim.isAlive()).isFalse();
            assertThat(result.get()).isEqualTo(Errno.EINTR);
            assertThat(k.hungTaskWatchdog().blockedTasks()).isEmpty();
            m.unlock();
            // reported once per wait only
            Thread.sleep(400);
            assertThat(k.hungTaskWatchdog().reports()).isEqualTo(1);
        }
    }

    @Test
    void zeroTimeoutDisables() throws Exception {
        try (Kernel k = Kernel.builder().hungTaskTimeout(Duration.ZERO).build()) {
            Completion c = new Completion(k, "never");
            assertThat(c.await(Duration.ofMillis(200))).isFalse();
            assertThat(k.hungTaskWatchdog().check()).isZero();
            assertThat(k.hungTaskWatchdog().reports()).isZero();
        }
    }

    @Test
    void drainWaitNamesTheReferenceHolder() throws Exception {
        try (Kernel k = Kernel.builder().hungTaskTimeout(Duration.ofMillis(200)).build()) {
            LockClass cls = k.lockdep().classFor("kn->active", LockClass.Kind.PSEUDO);
            ActiveRefCount ref = new ActiveRefCount(k, cls, "test_dev_x");
            java.util.concurrent.CountDownLatch got = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            Thread holder = new Thread(() -> {
                assertThat(ref.tryGet()).isTrue();
                got.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ref.put();
            }, "writer");
            holder.start();
            got.await();
            Thread remover = new Thread(() -> {
                ref.deactivate();
                ref.drain();
            }, "rmmod");
            remover.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (k.hungTaskWatchdog().reports() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ref.tryGet()).isFalse();
            assertThat(k.log().dmesg()).contains("INFO: task rmmod:")
                    .contains("is blocked on kernfs active references test_dev_x (kn->active, 1 held) likely owned by task writer:");
            release.countDown();
            remover.join(5000);
            holder.join(5000);
            assertThat(remover.isAlive()).isFalse();
            assertThat(ref.count()).isZero();
        }
    }
}
