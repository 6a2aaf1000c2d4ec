// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Kernel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrimitivesTest {

    @Test
    void mutexExcludesAndCountsStayExact() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex m = new Mutex(k, "counter_mutex");
            long[] counter = new long[1];
            AtomicLong contended = new AtomicLong();
            Thread[] ts = new Thread[4];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new Thread(() -> {
                    for (int j = 0; j < 20_000; j++) {
                        if (!m.tryLock()) {
                            contended.incrementAndGet();
                            m.lock();
                        }
                        counter[0]++;
                        m.unlock();
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(counter[0]).isEqualTo(80_000);
            assertThat(m.isLocked()).isFalse();
            assertThat(k.log().scan(0).clean()).isTrue();
            System.out.println("mutex: 80000 increments, " + contended.get() + " contended acquisitions");
        }
    }

    @Test
    void unlockByNonOwnerWarns() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex m = new Mutex(k, "m");
            m.lock();
            Thread t = new Thread(() -> {
                try {
                    m.unlock();
                } catch (RuntimeException ignored) {
                    // lockdep's bad unlock balance, then the release
                }
            });
            t.start();
            t.join();
            assertThat(k.log().dmesg()).contains("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)");
        }
    }

    @Test
    void rwsemReadersShareWritersExclude() throws Exception {
        try (Kernel k = Kernel.boot()) {
            RwSemaphore sem = new RwSemaphore(k, "init_lock");
            sem.readLock();
            CountDownLatch otherReader = new CountDownLatch(1);
            new Thread(() -> {
                sem.readLock();
                otherReader.countDown();
                sem.readUnlock();
            }).start();
            assertThat(otherReader.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(sem.tryWriteLock()).isFalse();
            AtomicInteger phase = new AtomicInteger();
            Thread writer = new Thread(() -> {
                sem.writeLock();
                phase.set(1);
                sem.writeUnlock();
            });
            writer.start();
            Thread.sleep(50);
            assertThat(phase.get()).isZero();
            // a waiting writer blocks new readers (kernel rwsem fairness)
            assertThat(sem.tryReadLock()).isFalse();
            sem.readUnlock();
            writer.join(5000);
            assertThat(phase.get()).isEqualTo(1);
            assertThat(sem.tryReadLock()).isTrue();
            sem.readUnlock();
        }
    }

    @Test
    void completionOneAndAll() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Completion c = new Completion(k, "c");
            assertThat(c.await(Duration.ofMillis(20))).isFalse();
            c.complete();
            assertThat(c.isDone()).isTrue();
            c.await();
            assertThat(c.tryWait()).isFalse();
            c.completeAll();
            for (int i = 0; i < 3; i++) {
                assertThat(c.await(Duration.ofMillis(1))).isTrue();
            }
            c.reinit();
            assertThat(c.isDone()).isFalse();
            Thread t = new Thread(c::complete);
            t.start();
            assertThat(c.await(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void activeReferencesDrain() throws Exception {
        try (Kernel k = Kernel.boot()) {
            ActiveRefCount ref = new ActiveRefCount(k, k.lockdep().classFor("kn->active", LockClass.Kind.PSEUDO), "x");
            assertThatThrownBy(ref::drain).isInstanceOf(IllegalStateException.class);
            assertThat(ref.tryGet()).isTrue();
            assertThat(ref.tryGet()).isTrue();
            ref.put();
            ref.deactivate();
            assertThat(ref.tryGet()).isFalse();
            assertThat(ref.count()).isEqualTo(1);
            CountDownLatch drained = new CountDownLatch(1);
            Thread remover = new Thread(() -> {
                ref.drain();
                drained.countDown();
            });
            remover.start();
            assertThat(drained.await(100, TimeUnit.MILLISECONDS)).isFalse();
            ref.put();
            assertThat(drained.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(ref.count()).isZero();
            ref.reactivate();
            assertThat(ref.tryGet()).isTrue();
            ref.put();
        }
    }

    @Test
    void activeReferencesWithoutLockClassAreNotAnnotated() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex m = new Mutex(k, "outer");
            ActiveRefCount ref = new ActiveRefCount(k, null, "dir");
            m.lock();
            assertThat(ref.tryGet()).isTrue();
            assertThat(k.lockdep().heldLocks()).hasSize(1);
            ref.put();
            ref.deactivate();
            ref.drain();
            m.unlock();
            assertThat(ref.lockClass()).isNull();
            assertThat(k.lockdep().dependencies()).isZero();
            assertThat(k.log().scan(0).clean()).isTrue();
        }
    }
}
