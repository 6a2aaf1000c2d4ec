// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockdepTest {

    @Test
    void abBaOrderIsReportedWithoutDeadlocking() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex a = new Mutex(k, "lock_A");
            Mutex b = new Mutex(k, "lock_B");
            long marker = k.log().marker();
            // A then B in one thread, finished...
            Thread t1 = new Thread(() -> {
                a.lock();
                b.lock();
                b.unlock();
                a.unlock();
            }, "first");
            t1.start();
            t1.join();
            // ... B then A in another, later: no deadlock can happen in this run, lockdep still sees it.
            Thread t2 = new Thread(() -> {
                b.lock();
                a.lock();
                a.unlock();
                b.unlock();
            }, "second");
            t2.start();
            t2.join();
            String dmesg = k.log().dmesgSince(marker);
            assertThat(k.lockdep().circularReports()).isEqualTo(1);
            assertThat(k.log().scan(marker).count(SplatKind.CIRCULAR_LOCKING)).isEqualTo(1);
            assertThat(dmesg).contains("second/" + Kernel.pid(t2) + " is trying to acquire lock:")
                    .contains("(lock_A){+.+.}-{4:4}, at: ")
                    .contains("but task is already holding lock:")
                    .contains("the existing dependency chain (in reverse order) is:")
                    .contains("-> #1 (lock_B){+.+.}-{4:4}:")
                    .contains("-> #0 (lock_A){+.+.}-{4:4}:")
                    .contains("  lock(lock_B);\n")
                    .contains(" *** DEADLOCK ***")
                    .contains("1 lock held by second/");
            assertThat(k.lockdep().debugLocks()).isFalse();
        }
    }

    /** index_mutex and a kn->active class, with one instance each, on a fresh kernel's lockdep. */
    private record Pair(Lockdep ld, LockClass mutex, Object mi, LockClass active, Object ai) {
        static Pair of(Kernel k) {
            Lockdep ld = k.lockdep();
            return new Pair(ld, ld.classFor("m", "index_mutex", LockClass.Kind.MUTEX), new Object(),
                    ld.classFor("a", "kn->active", LockClass.Kind.PSEUDO), new Object());
        }

        void store() {
            LockdepTest.store(ld, active, ai, mutex, mi);
        }

        void drains(String... reasons) {
            LockdepTest.drains(ld, mutex, mi, active, ai, reasons);
        }
    }

    /** A store: holds the file's active reference (a read trylock), takes the mutex inside it. */
    private static void store(Lockdep ld, LockClass active, Object ai, LockClass mutex, Object mi) {
        ld.acquire(active, ai, true, true);
        ld.acquire(mutex, mi, false, false);
        ld.release(mutex, mi);
        ld.release(active, ai);
    }

    /** A remover: holds the mutex and drains the file, each drain with its cannot-block reason (null: it can). */
    private static void drains(Lockdep ld, LockClass mutex, Object mi, LockClass active, Object ai, String... reasons) {
        ld.acquire(mutex, mi, false, false);
        for (String r : reasons) {
            ld.acquire(active, ai, false, false, r);
            ld.release(active, ai);
        }
        ld.release(mutex, mi);
    }

    /**
     * jzram's verdict beside the report: a cycle closed by waiting acquisitions can deadlock; one
     * whose closing dependency (or every chain back) was recorded by an acquisition that cannot
     * wait (a drain of a going module's files with the owner-reference fix) cannot, with the reason.
     * The report itself is the kernel's either way.
     */
    @Test
    void theVerdictTellsACycleThatCannotCloseApart() {
        for (boolean cannotBlock : new boolean[] {false, true}) {
            try (Kernel k = Kernel.boot()) {
                Pair p = Pair.of(k);
                p.store();
                p.drains(cannotBlock ? "the owner module is going" : null);
                assertThat(k.lockdep().circularReports()).isEqualTo(1);
                Lockdep.CircularVerdict v = k.lockdep().circularVerdict();
                assertThat(v.chain()).containsExactly("index_mutex", "kn->active", "index_mutex");
                assertThat(v.canDeadlock()).as(v.describe()).isEqualTo(!cannotBlock);
                if (cannotBlock) {
                    assertThat(v.reason()).contains("index_mutex -> kn->active cannot block: the owner module is going");
                    assertThat(v.describe()).startsWith("cannot deadlock: index_mutex -> kn->active -> index_mutex");
                }
            }
        }
    }

    /** A dependency first recorded by a wait that cannot block, then by one that can, can block. */
    @Test
    void aDependencyOnceRecordedByAWaitThatCanBlockCanBlock() {
        try (Kernel k = Kernel.boot()) {
            Pair p = Pair.of(k);
            p.drains("module exit, the fix on", null); // then hot_remove's drain: the module is live
            p.store();
            assertThat(k.lockdep().circularVerdict().canDeadlock()).as(k.lockdep().circularVerdict().describe()).isTrue();
        }
    }

    @Test
    void longerChainsPrintTheChain() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex a = new Mutex(k, "A");
            Mutex b = new Mutex(k, "B");
            Mutex c = new Mutex(k, "C");
            runInThread(() -> { a.lock(); b.lock(); b.unlock(); a.unlock(); });
            runInThread(() -> { b.lock(); c.lock(); c.unlock(); b.unlock(); });
            assertThat(k.lockdep().circularReports()).isZero();
            runInThread(() -> { c.lock(); a.lock(); a.unlock(); c.unlock(); });
            assertThat(k.lockdep().circularReports()).isEqualTo(1);
            assertThat(k.log().dmesg()).contains("Chain exists of:\n").contains("A --> B --> C");
        }
    }

    @Test
    void consistentOrderIsQuiet() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex a = new Mutex(k, "A");
            RwSemaphore b = new RwSemaphore(k, "B");
            for (int i = 0; i < 3; i++) {
                runInThread(() -> { a.lock(); b.readLock(); b.readUnlock(); b.writeLock(); b.writeUnlock(); a.unlock(); });
            }
            assertThat(k.lockdep().circularReports()).isZero();
            assertThat(k.lockdep().hasDependency(a.lockClass(), b.lockClass())).isTrue();
            assertThat(k.lockdep().hasDependency(b.lockClass(), a.lockClass())).isFalse();
            assertThat(k.log().scan(0).clean()).isTrue();
        }
    }

    @Test
    void recursiveLockingIsReported() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex a = new Mutex(k, "A");
            CountDownLatch reported = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                a.lock();
                try {
                    a.lock(); // self-deadlock: lockdep reports before sleeping, then we are interrupted
                } catch (io.jzram.kernel.ErrnoException e) {
                    reported.countDown();
                } finally {
                    a.unlock();
                }
            }, "recurser");
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (k.lockdep().recursiveReports() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            t.interrupt();
            assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(k.log().dmesg()).contains("WARNING: possible recursive locking detected")
                    .contains("May be due to missing lock nesting notation");
            assertThat(k.log().scan(0).count(SplatKind.RECURSIVE_LOCKING)).isEqualTo(1);
        }
    }

    @Test
    void trylockRecordsNoDependencyButLaterLocksDependOnIt() throws Exception {
        try (Kernel k = Kernel.boot()) {
            LockClass active = k.lockdep().classFor("kn->active", LockClass.Kind.PSEUDO);
            ActiveRefCount ref = new ActiveRefCount(k, active, "disksize");
            Mutex m = new Mutex(k, "index_mutex");
            runInThread(() -> {
                m.lock();
                assertThat(ref.tryGet()).isTrue(); // trylock under m: no m -> active edge
                ref.put();
                m.unlock();
            });
            assertThat(k.lockdep().hasDependency(m.lockClass(), active)).isFalse();
            runInThread(() -> {
                assertThat(ref.tryGet()).isTrue();
                m.lock(); // active -> m
                m.unlock();
                ref.put();
            });
            assertThat(k.lockdep().hasDependency(active, m.lockClass())).isTrue();
            // the remover: m held, then drain (a write acquisition) closes the cycle
            runInThread(() -> {
                m.lock();
                ref.deactivate();
                ref.drain();
                m.unlock();
            });
            assertThat(k.lockdep().circularReports()).isEqualTo(1);
            assertThat(k.log().dmesg()).contains("(kn->active){++++}-{0:0}").contains("(index_mutex){+.+.}-{4:4}");
        }
    }

    @Test
    void badUnlockBalance() throws Exception {
        try (Kernel k = Kernel.boot()) {
            LockClass c = k.lockdep().classFor("X", LockClass.Kind.MUTEX);
            runInThread(() -> k.lockdep().release(c, new Object()));
            assertThat(k.lockdep().unlockBalanceReports()).isEqualTo(1);
            assertThat(k.log().dmesg()).contains("WARNING: bad unlock balance detected!");
        }
    }

    @Test
    void lockdepOffRecordsNothing() throws Exception {
        try (Kernel k = Kernel.builder().lockdep(false).build()) {
            Mutex a = new Mutex(k, "A");
            Mutex b = new Mutex(k, "B");
            runInThread(() -> { a.lock(); b.lock(); b.unlock(); a.unlock(); });
            runInThread(() -> { b.lock(); a.lock(); a.unlock(); b.unlock(); });
            assertThat(k.lockdep().circularReports()).isZero();
            assertThat(k.lockdep().dependencies()).isZero();
        }
    }

    @Test
    void repeatedNamesGetNumberedClasses() {
        try (Kernel k = Kernel.boot()) {
            LockClass a = k.lockdep().classFor("attr1", "kn->active", LockClass.Kind.PSEUDO);
            LockClass b = k.lockdep().classFor("attr2", "kn->active", LockClass.Kind.PSEUDO);
            assertThat(a.name()).isEqualTo("kn->active");
            assertThat(b.name()).isEqualTo("kn->active#2");
            assertThat(k.lockdep().classFor("attr1", "kn->active", LockClass.Kind.PSEUDO)).isSameAs(a);
        }
    }

    @Test
    void lockAssertionsWarnWithoutTheLockAndAreSilentWithIt() throws Exception {
        try (Kernel k = Kernel.boot()) {
            Mutex m = new Mutex(k, "guard_mutex");
            RwSemaphore sem = new RwSemaphore(k, "guard_sem");
            long marker = k.log().marker();
            m.lock();
            m.assertHeld();
            m.unlock();
            sem.readLock();
            sem.assertHeld();
            sem.readUnlock();
            sem.writeLock();
            sem.assertHeld();
            sem.assertWriteHeld();
            sem.writeUnlock();
            assertThat(k.lockdep().assertReports()).as("held: silent").isZero();
            assertThat(k.log().scan(marker).clean()).isTrue();

            m.assertHeld();
            sem.assertHeld();
            sem.readLock();
            sem.assertWriteHeld(); // a read hold is not a write hold
            sem.readUnlock();
            runInThread(() -> {
                m.lock(); // held, but by another task
                try {
                    runInThreadUnchecked(m::assertHeld);
                } finally {
                    m.unlock();
                }
            });
            assertThat(k.lockdep().assertReports()).isEqualTo(4);
            assertThat(k.log().scan(marker).count(SplatKind.WARNING)).isEqualTo(4);
            assertThat(k.lockdep().debugLocks()).as("a failed assertion does not turn lockdep off").isTrue();
            assertThat(k.log().dmesgSince(marker))
                    .contains("lockdep_assert_held(guard_mutex)")
                    .contains("lockdep_assert_held(guard_sem)")
                    .contains("lockdep_assert_held_write(guard_sem)")
                    .contains("at LockdepTest.java:");
        }
    }

    @Test
    void lockAssertionsAreNoOpsWithLockdepOff() {
        try (Kernel k = Kernel.builder().lockdep(false).build()) {
            long marker = k.log().marker();
            new Mutex(k, "A").assertHeld();
            new RwSemaphore(k, "B").assertWriteHeld();
            new RwSemaphore(k, "C").assertHeld();
            assertThat(k.lockdep().assertReports()).isZero();
            assertThat(k.log().scan(marker).clean()).isTrue();
        }
    }

    private static void runInThreadUnchecked(Runnable r) {
        try {
            runInThread(r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void runInThread(Runnable r) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join(10_000);
        assertThat(t.isAlive()).as("thread finished").isFalse();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }
}
