// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawSpinLockTest {

    @Test
    void tryLockFailsWhileHeldAndUnlockOfAFreeLockThrows() {
        RawSpinLock l = new RawSpinLock();
        assertThat(l.tryLock()).isTrue();
        assertThat(l.isLocked()).isTrue();
        assertThat(l.tryLock()).isFalse(); // not re-entrant
        l.unlock();
        assertThat(l.isLocked()).isFalse();
        assertThatThrownBy(l::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void assertLockedThrowsOnlyWhenTheLockIsFree() {
        RawSpinLock l = new RawSpinLock();
        assertThatThrownBy(l::assertLocked).isInstanceOf(IllegalMonitorStateException.class).hasMessageContaining("assert_spin_locked");
        l.lock();
        l.assertLocked();
        l.unlock();
        assertThatThrownBy(l::assertLocked).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void aWaiterShowsAsContentionAndGetsTheLockOnUnlock() throws Exception {
        RawSpinLock l = new RawSpinLock();
        l.lock();
        AtomicBoolean got = new AtomicBoolean();
        Thread t = new Thread(() -> {
            l.lock();
            got.set(true);
            l.unlock();
        });
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!l.isContended() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(l.isContended()).isTrue();
        assertThat(got).isFalse();
        l.unlock();
        t.join(10_000);
        assertThat(got).isTrue();
        assertThat(l.isContended()).isFalse();
    }

    /** More threads than CPUs increment a plain counter under the lock: no increment is lost. */
    @Test
    void mutualExclusionUnderOversubscription() throws Exception {
        RawSpinLock l = new RawSpinLock();
        int threads = 2 * Runtime.getRuntime().availableProcessors() + 2;
        int rounds = 50_000;
        long[] counter = new long[1];
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int r = 0; r < rounds; r++) {
                    l.lock();
                    try {
                        counter[0]++;
                    } finally {
                        l.unlock();
                    }
                }
            });
            ts[i].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join(30_000);
        }
        System.out.println("raw spinlock: " + threads + " threads x " + rounds + " increments, counter " + counter[0]);
        assertThat(counter[0]).isEqualTo((long) threads * rounds);
    }
}
