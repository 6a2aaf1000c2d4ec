// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Lockdep;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import io.jzram.kernel.module.ModuleState;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The seed's generic fix (patch 09/12) as a toggle: active references that hold the owner module. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OwnerReferenceFixTest {

    private Kernel kernel;
    private KernfsRoot root;
    private KernfsNode dir;
    private volatile KernfsNode file;
    private volatile Module module;
    private final CountDownLatch inStore = new CountDownLatch(1);
    private final CountDownLatch releaseStore = new CountDownLatch(1);
    private final CountDownLatch inExit = new CountDownLatch(1);
    private volatile CountDownLatch releaseExit = new CountDownLatch(0);
    private volatile boolean storeBlocks = true;
    private volatile Mutex driverLock;
    private volatile boolean exitTakesLock;
    private volatile ModuleState stateSeenByStore;
    private long marker;

    @BeforeEach
    void boot() {
        kernel = Kernel.boot();
        root = new KernfsRoot(kernel, "test", true, new Random(1));
        dir = root.createDir(root.root(), "dev", 0755, null, null);
        driverLock = new Mutex(kernel, "driver_lock");
        kernel.modules().register("owned", Set.of(), self -> new ModuleLoader.ModuleCode() {
            @Override
            public void init() {
                module = self;
                FnOps ops = new FnOps((of, page) -> page.emit("v\n"), s -> {
                    stateSeenByStore = self.state();
                    if (driverLock != null && !storeBlocks) {
                        driverLock.lock();
                        driverLock.unlock();
                    }
                    if (storeBlocks) {
                        inStore.countDown();
                        try {
                            releaseStore.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return s.length();
                });
                LockClass cls = kernel.lockdep().classFor("owned:value", "kn->active", LockClass.Kind.PSEUDO);
                file = root.createFile(dir, "value", 0644, PageBuffer.PAGE_SIZE, ops, null, cls, self);
            }

            @Override
            public void exit() {
                inExit.countDown();
                try {
                    releaseExit.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (exitTakesLock) {
                    driverLock.lock();
                }
                try {
                    root.remove(file);
                } finally {
                    if (exitTakesLock) {
                        driverLock.unlock();
                    }
                }
            }
        });
        kernel.modules().load("owned", Map.of());
        marker = kernel.log().marker();
    }

    @AfterEach
    void shutdown() {
        releaseStore.countDown();
        releaseExit.countDown();
        kernel.close();
    }

    private Thread writer(AtomicReference<Object> result) {
        Thread t = new Thread(() -> {
            try (KernfsOpenFile of = KernfsOpenFile.open(file, false, true)) {
                result.set(of.write("1".getBytes(StandardCharsets.ISO_8859_1), 0, 1));
            } catch (ErrnoException e) {
                result.set(e.errno());
            }
        }, "writer");
        t.start();
        return t;
    }

    private static Errno rmmod(Kernel k) {
        try {
            k.modules().unload("owned");
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    @Test
    void withTheFixAStoreInFlightHoldsTheModuleSoRmmodIsRefused() throws Exception {
        root.setOwnerReferenceFix(true);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        assertThat(inStore.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(module.refcount()).isEqualTo(1);
        assertThat(rmmod(kernel)).isEqualTo(Errno.EWOULDBLOCK);
        releaseStore.countDown();
        w.join(5000);
        assertThat(result.get()).isEqualTo(1);
        assertThat(module.refcount()).isZero();
        assertThat(rmmod(kernel)).isNull();
        assertThat(file.isRemoved()).isTrue();
        assertThat(kernel.log().scan(marker).clean()).isTrue();
    }

    @Test
    void withoutTheFixRmmodStartsUnderTheStoreAndItsRemovalWaitsForIt() throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        assertThat(inStore.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(module.refcount()).isZero();
        AtomicReference<Errno> rm = new AtomicReference<>();
        Thread r = new Thread(() -> rm.set(rmmod(kernel)), "rmmod");
        r.start();
        assertThat(inExit.await(5, TimeUnit.SECONDS)).isTrue();
        r.join(150);
        assertThat(r.isAlive()).as("exit's removal drains the store in flight").isTrue();
        assertThat(module.state()).isEqualTo(ModuleState.GOING);
        releaseStore.countDown();
        r.join(5000);
        w.join(5000);
        assertThat(rm.get()).isNull();
        assertThat(result.get()).isEqualTo(1);
        assertThat(module.state()).isEqualTo(ModuleState.UNLOADED);
    }

    @Test
    void withTheFixAStoreArrivingWhileTheModuleGoesGetsEnodev() throws Exception {
        storeBlocks = false;
        releaseExit = new CountDownLatch(1);
        root.setOwnerReferenceFix(true);
        KernfsOpenFile of = KernfsOpenFile.open(file, false, true);
        Thread r = new Thread(() -> rmmod(kernel), "rmmod");
        r.start();
        assertThat(inExit.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            of.write("1".getBytes(StandardCharsets.ISO_8859_1), 0, 1);
            throw new AssertionError("write went through while the module was going");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENODEV);
        }
        assertThat(root.ownerRefusals()).isEqualTo(1);
        assertThat(stateSeenByStore).isNull();
        releaseExit.countDown();
        r.join(5000);
        of.close();
    }

    @Test
    void withoutTheFixAStoreArrivingWhileTheModuleGoesRunsModuleCode() throws Exception {
        storeBlocks = false;
        releaseExit = new CountDownLatch(1);
        KernfsOpenFile of = KernfsOpenFile.open(file, false, true);
        Thread r = new Thread(() -> rmmod(kernel), "rmmod");
        r.start();
        assertThat(inExit.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(of.write("1".getBytes(StandardCharsets.ISO_8859_1), 0, 1)).isEqualTo(1);
        assertThat(stateSeenByStore).isEqualTo(ModuleState.GOING);
        releaseExit.countDown();
        r.join(5000);
        of.close();
    }

    @Test
    void flippingTheFixWhileAStoreIsInFlightKeepsTheCountsBalanced() throws Exception {
        root.setOwnerReferenceFix(true);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        assertThat(inStore.await(5, TimeUnit.SECONDS)).isTrue();
        root.setOwnerReferenceFix(false);
        assertThat(module.refcount()).isEqualTo(1);
        releaseStore.countDown();
        w.join(5000);
        assertThat(module.refcount()).isZero();
        assertThat(rmmod(kernel)).isNull();
    }

    /**
     * A module "m" whose init creates the file x (its store runs {@code beforeLock}, then takes and
     * drops {@code lock}) and whose exit removes x holding {@code lock} (after {@code onExit}): the
     * store-vs-exit construct of bug 2. Returns the file's slot, filled at init.
     */
    private static KernfsNode[] lockingModule(Kernel k, KernfsRoot r, Mutex lock, Runnable beforeLock, Runnable onExit) {
        KernfsNode[] f = new KernfsNode[1];
        k.modules().register("m", Set.of(), self -> new ModuleLoader.ModuleCode() {
            @Override
            public void init() {
                FnOps ops = new FnOps(null, s -> {
                    beforeLock.run();
                    lock.lock();
                    lock.unlock();
                    return s.length();
                });
                LockClass cls = k.lockdep().classFor("m:x", "kn->active", LockClass.Kind.PSEUDO);
                f[0] = r.createFile(r.root(), "x", 0200, PageBuffer.PAGE_SIZE, ops, null, cls, self);
            }

            @Override
            public void exit() {
                lock.lock();
                try {
                    onExit.run();
                    r.remove(f[0]);
                } finally {
                    lock.unlock();
                }
            }
        });
        return f;
    }

    private static void storeOne(KernfsNode file) {
        try (KernfsOpenFile of = KernfsOpenFile.open(file, false, true)) {
            of.write("1".getBytes(StandardCharsets.ISO_8859_1), 0, 1);
        }
    }

    /**
     * The kernel with 09/12 keeps kernfs_drain's lockdep annotation, so lockdep reports the
     * store-vs-exit cycle with and without the fix; jzram's verdict tells them apart: without the
     * fix it can deadlock, with it it cannot (a store holding the file also holds the module, so exit
     * cannot be draining it). Deterministic: the same run gives the same verdict every time.
     */
    @Test
    void lockdepReportsTheExitCycleWithAndWithoutTheFixAndTellsThemApart() {
        for (boolean fix : new boolean[] {false, true, false, true}) {
            try (Kernel k = Kernel.boot()) {
                KernfsRoot r = new KernfsRoot(k, "t", true, new Random(1));
                KernfsNode[] f = lockingModule(k, r, new Mutex(k, "driver_lock"), () -> { }, () -> { });
                r.setOwnerReferenceFix(fix);
                k.modules().load("m", Map.of());
                storeOne(f[0]);
                k.modules().unload("m");
                assertThat(k.lockdep().circularReports()).as("fix " + fix).isEqualTo(1);
                Lockdep.CircularVerdict v = k.lockdep().circularVerdict();
                assertThat(v.chain()).as(v.describe()).containsExactly("driver_lock", "kn->active", "driver_lock");
                assertThat(v.canDeadlock()).as(v.describe()).isEqualTo(!fix);
                if (fix) {
                    assertThat(v.reason()).contains("owner-module reference fix", "module exit cannot be draining it");
                }
            }
        }
    }

    /**
     * A reference taken while the fix was off holds no module: a drain that waits for it can block,
     * so the cycle it closes can deadlock even with the fix on by then.
     */
    @Test
    void aReferenceTakenWithoutTheFixMakesTheDrainBlocking() throws Exception {
        try (Kernel k = Kernel.boot()) {
            KernfsRoot r = new KernfsRoot(k, "t", true, new Random(1));
            CountDownLatch inStore = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            KernfsNode[] f = lockingModule(k, r, new Mutex(k, "driver_lock"), () -> {
                inStore.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, release::countDown);
            k.modules().load("m", Map.of());
            Thread w = new Thread(() -> {
                try {
                    storeOne(f[0]);
                } catch (RuntimeException e) {
                    // EINTR once the deadlock is broken
                }
            }, "store");
            w.start();
            assertThat(inStore.await(5, TimeUnit.SECONDS)).isTrue();
            r.setOwnerReferenceFix(true); // the store in flight holds no module
            Thread rmmod = new Thread(() -> k.modules().unload("m"), "rmmod");
            rmmod.start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (k.lockdep().circularVerdict() == null && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            w.interrupt();
            w.join(5000);
            rmmod.join(5000);
            Lockdep.CircularVerdict v = k.lockdep().circularVerdict();
            assertThat(v).isNotNull();
            assertThat(v.canDeadlock()).as(v.describe()).isTrue();
        }
    }
}
