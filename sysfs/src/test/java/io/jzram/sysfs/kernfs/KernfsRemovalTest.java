// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.HungTaskWatchdog;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Mutex;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Removal: deactivate, drain (waiting for stores in flight), and what lockdep and khungtaskd see of it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KernfsRemovalTest {

    private Kernel kernel;
    private KernfsRoot root;
    private KernfsNode dir;
    private long marker;

    @BeforeEach
    void boot() {
        kernel = Kernel.builder().hungTaskTimeout(Duration.ofMillis(300)).build();
        root = new KernfsRoot(kernel, "test", true, new Random(1));
        dir = root.createDir(root.root(), "dev", 0755, null, null);
        marker = kernel.log().marker();
    }

    @AfterEach
    void shutdown() {
        kernel.close();
    }

    private KernfsNode file(String name, FnOps ops) {
        LockClass cls = kernel.lockdep().classFor("attr:" + name, "kn->active", LockClass.Kind.PSEUDO);
        return root.createFile(dir, name, 0644, PageBuffer.PAGE_SIZE, ops, null, cls, null);
    }

    private static Thread writer(KernfsNode f, String value, AtomicReference<Object> result) {
        Thread t = new Thread(() -> {
            try (KernfsOpenFile of = KernfsOpenFile.open(f, false, true)) {
                byte[] b = value.getBytes(StandardCharsets.ISO_8859_1);
                result.set(of.write(b, 0, b.length));
            } catch (ErrnoException e) {
                result.set(e.errno());
            }
        }, "writer");
        t.start();
        return t;
    }

    private static void await(java.util.function.BooleanSupplier cond, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    @Test
    void drainWaitsForTheStoreInFlight() throws Exception {
        CountDownLatch inStore = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FnOps ops = new FnOps((of, page) -> page.emit("v\n"), s -> {
            inStore.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return s.length();
        });
        KernfsNode f = file("slow", ops);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(f, "1\n", result);
        assertThat(inStore.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(f.activeCount()).isEqualTo(1);
        CountDownLatch removed = new CountDownLatch(1);
        Thread remover = new Thread(() -> {
            root.remove(f);
            removed.countDown();
        }, "remover");
        remover.start();
        await(() -> !f.isActive(), 2000);
        assertThat(f.isActive()).isFalse();
        // new users are refused while the drain waits
        assertThat(root.lookup(dir, "slow")).isNull();
        try {
            KernfsOpenFile.open(f, true, false);
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENODEV);
        }
        assertThat(removed.await(150, TimeUnit.MILLISECONDS)).as("removal must wait for the store").isFalse();
        release.countDown();
        assertThat(removed.await(5, TimeUnit.SECONDS)).isTrue();
        w.join(5000);
        assertThat(result.get()).isEqualTo(2);
        assertThat(f.isRemoved()).isTrue();
        assertThat(root.drainsThatWaited()).isEqualTo(1);
        assertThat(kernel.log().scan(marker).clean()).as(kernel.log().dmesgSince(marker)).isTrue();
    }

    @Test
    void lockdepReportsTheStoreVersusRemovalCycleInARunThatDidNotDeadlock() {
        Mutex driverLock = new Mutex(kernel, "driver_lock");
        FnOps ops = new FnOps((of, page) -> page.emit("v\n"), s -> {
            driverLock.lock();
            driverLock.unlock();
            return s.length();
        });
        KernfsNode f = file("locked_store", ops);
        // 1) a store takes the driver lock under the active reference: kn->active -> driver_lock
        try (KernfsOpenFile of = KernfsOpenFile.open(f, false, true)) {
            of.write("1".getBytes(StandardCharsets.ISO_8859_1), 0, 1);
        }
        assertThat(kernel.lockdep().circularReports()).isZero();
        // 2) later, nothing in flight, the remover holds the driver lock and removes the file:
        //    driver_lock -> kn->active closes the cycle; nobody waits, lockdep still reports it
        driverLock.lock();
        try {
            root.remove(f);
        } finally {
            driverLock.unlock();
        }
        KernelScan scan = new KernelScan(kernel, marker);
        assertThat(kernel.lockdep().circularReports()).isEqualTo(1);
        assertThat(scan.count(SplatKind.CIRCULAR_LOCKING)).isEqualTo(1);
        assertThat(scan.count(SplatKind.HUNG_TASK)).isZero();
        assertThat(scan.dmesg()).contains("(kn->active").contains("(driver_lock)").contains("*** DEADLOCK ***");
        assertThat(root.drainsThatWaited()).isZero();
    }

    @Test
    void storeBlockedOnTheRemoversLockDeadlocksAndIsReported() throws Exception {
        Mutex driverLock = new Mutex(kernel, "driver_lock");
        CountDownLatch gotActive = new CountDownLatch(1);
        FnOps ops = new FnOps((of, page) -> page.emit("v\n"), s -> {
            gotActive.countDown();
            driverLock.lock(); // blocks: the remover holds it and waits for us
            driverLock.unlock();
            return s.length();
        });
        KernfsNode f = file("deadlock", ops);
        CountDownLatch removerHasLock = new CountDownLatch(1);
        CountDownLatch storeMayGo = new CountDownLatch(1);
        Thread remover = new Thread(() -> {
            driverLock.lock();
            try {
                removerHasLock.countDown();
                try {
                    storeMayGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                root.remove(f);
            } finally {
                driverLock.unlock();
            }
        }, "rmmod");
        remover.start();
        assertThat(removerHasLock.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(f, "1", result);
        assertThat(gotActive.await(5, TimeUnit.SECONDS)).isTrue();
        storeMayGo.countDown();
        HungTaskWatchdog wd = kernel.hungTaskWatchdog();
        await(() -> wd.reports() >= 2, 5000);
        long reports = wd.reports();
        String blocked = wd.blockedTasks().toString();
        // break it: the store's mutex wait is interruptible and gives up with EINTR
        w.interrupt();
        w.join(5000);
        remover.join(5000);
        assertThat(remover.isAlive()).isFalse();
        assertThat(result.get()).isEqualTo(Errno.EINTR);
        KernelScan scan = new KernelScan(kernel, marker);
        System.out.println("kernfs deadlock: " + reports + " hung-task reports, blocked: " + blocked);
        assertThat(reports).isGreaterThanOrEqualTo(2);
        assertThat(scan.dmesg()).contains("INFO: task rmmod:").contains("INFO: task writer:")
                .contains("is blocked on kernfs active references").contains("is blocked on a mutex driver_lock");
        assertThat(scan.count(SplatKind.CIRCULAR_LOCKING)).isEqualTo(1);
        assertThat(f.isRemoved()).isTrue();
    }

    /** A scan of the log since a marker, with the dmesg text for messages. */
    static final class KernelScan {
        private final Kernel kernel;
        private final long marker;

        KernelScan(Kernel kernel, long marker) {
            this.kernel = kernel;
            this.marker = marker;
        }

        int count(SplatKind k) {
            return kernel.log().scan(marker).count(k);
        }

        String dmesg() {
            return kernel.log().dmesgSince(marker);
        }
    }
}
