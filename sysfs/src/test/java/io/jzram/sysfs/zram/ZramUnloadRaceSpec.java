// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static io.jzram.sysfs.zram.RaceKit.awaitBlocked;
import static io.jzram.sysfs.zram.RaceKit.awaitDoneOrBlocked;
import static io.jzram.sysfs.zram.RaceKit.awaitHungTasks;
import static io.jzram.sysfs.zram.RaceKit.drain;
import static io.jzram.sysfs.zram.RaceKit.lines;
import static io.jzram.sysfs.zram.RaceKit.named;
import static io.jzram.sysfs.zram.RaceKit.rmmodNow;
import static io.jzram.sysfs.zram.RaceKit.splats;
import static io.jzram.sysfs.zram.RaceKit.verifySurvivors;
import static io.jzram.sysfs.zram.RaceKit.writeData;
import static io.jzram.sysfs.zram.ZramTesting.chronicleNativeBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.core.Zcomp;
import io.jzram.core.ZramControl;
import io.jzram.core.ZramDevice;
import io.jzram.core.ZramHook;
import io.jzram.core.ZramMemory;
import io.jzram.kernel.Errno;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.Completion;
import io.jzram.kernel.locking.Lockdep;
import io.jzram.kernel.locking.Waitable;
import io.jzram.kernel.module.KernelOops;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import io.jzram.sysfs.kernfs.KernfsFailureInjection;
import io.jzram.sysfs.zram.RaceKit.Task;
import io.jzram.sysfs.zram.RaceKit.Written;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seed's two bugs, the races upstream fixed for 5.16 and patch 11/12's own deadlock against
 * hot_remove, as deterministic reproductions, one spec run per fix set (the subclasses pick it):
 * every race is arranged with the driver's and jzram-core's hook points, the kernfs failure-injection
 * wait points and completions, and by waiting until a task sleeps in a named kernel primitive (the
 * hung-task watchdog's list of sleepers); a deadlock is detected by the watchdog and broken by
 * interrupting the blocked store (EINTR). Each test asserts what the fix set must show, checks that
 * the acknowledged writes on every device that survives are still there, and prints what it saw
 * (target/surefire-reports/*-output.txt).
 *
 * <p>"Nothing held" below is {@link ZramDriver#memoryHeld()}: the pools, tables and compressor
 * streams of every device of that load, including leaked and removed ones.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
abstract class ZramUnloadRaceSpec {

    static final ZramMemory NOTHING = new ZramMemory(0, 0, 0, 0, 0);
    static final String STATE_LEFT = "Error: Removing state 57 which has instances left.";

    /** The fix set under test. */
    abstract ZramFixes fixes();

    Machine machine() {
        return Machine.builder().cpus(2).zramFixes(fixes()).hungTaskTimeout(Duration.ofMillis(500))
                .kernfsWaitTimeout(Duration.ofSeconds(10)).build();
    }

    void report(String test, String what) {
        System.out.println("[fixes=" + fixes().paramValue() + "] " + test + ": " + what);
    }

    /**
     * Nothing in the log, or only the one report a lockdep kernel with the owner-reference fix
     * still makes and that cannot deadlock (module exit drained, holding zram_index_mutex, files
     * whose stores take it: with the fix, no store can be in flight then).
     */
    static void assertClean(Machine m, long marker) {
        KernelLog.Scan s = m.kernel().log().scan(marker);
        if (s.clean()) {
            return;
        }
        assertOnlyTheLockdepCycle(m, marker);
        assertCycleCannotDeadlock(m);
    }

    /** Exactly the lockdep cycle between zram_index_mutex and a kn->active class, nothing else. */
    static void assertOnlyTheLockdepCycle(Machine m, long marker) {
        KernelLog.Scan s = m.kernel().log().scan(marker);
        String dmesg = m.kernel().log().dmesgSince(marker);
        assertThat(s.count(SplatKind.CIRCULAR_LOCKING)).as(dmesg).isEqualTo(1);
        assertThat(s.hits()).as(dmesg).allMatch(r -> r.splat() == SplatKind.CIRCULAR_LOCKING);
        assertThat(dmesg).contains("zram_index_mutex", "kn->active");
    }

    /** lockdep's cycle cannot deadlock, because of the owner-reference fix (jzram's verdict on the report). */
    static Lockdep.CircularVerdict assertCycleCannotDeadlock(Machine m) {
        Lockdep.CircularVerdict v = m.kernel().lockdep().circularVerdict();
        assertThat(v).as("lockdep's verdict").isNotNull();
        assertThat(v.canDeadlock()).as(v.describe()).isFalse();
        assertThat(v.reason()).as(v.describe()).contains("owner-module reference fix");
        return v;
    }

    /** lockdep's cycle can deadlock: every dependency of it was recorded by a wait that can block. */
    static Lockdep.CircularVerdict assertCycleCanDeadlock(Machine m) {
        Lockdep.CircularVerdict v = m.kernel().lockdep().circularVerdict();
        assertThat(v).as("lockdep's verdict").isNotNull();
        assertThat(v.canDeadlock()).as(v.describe()).isTrue();
        return v;
    }

    /** The two hung tasks of a store-vs-removal deadlock, named; lockdep's cycle too. */
    static void assertDeadlockReported(Machine m, long marker, String remover, String store) {
        String dmesg = m.kernel().log().dmesgSince(marker);
        KernelLog.Scan s = m.kernel().log().scan(marker);
        assertThat(s.count(SplatKind.HUNG_TASK)).as(dmesg).isGreaterThanOrEqualTo(2);
        assertThat(dmesg).contains("INFO: task " + store + ":", "is blocked on a mutex zram_index_mutex likely owned by task " + remover + ":");
        assertThat(dmesg).contains("INFO: task " + remover + ":", "is blocked on kernfs active references");
        assertThat(s.count(SplatKind.CIRCULAR_LOCKING)).as(dmesg).isEqualTo(1);
        assertThat(s.count(SplatKind.WARNING) + s.count(SplatKind.BUG) + s.count(SplatKind.OOPS)).as(dmesg).isZero();
    }

    // ======================================================================= bug 1: hotplug multistate

    /**
     * Bug 1, the window the seed's patch 11/12 describes: module exit's zram_remove has reset the
     * device and is about to del_gendisk it when a disksize store (whose active reference kernfs
     * granted: without 09/12 nothing stops it) initialises the device again: a new compressor, i.e.
     * a new instance of {@code block/zram:prepare}.
     *
     * <p>none: del_gendisk drains the store, the struct is freed (here: the device is dropped) with
     * its compressor still registered, and the multi-state removal WARNs
     * {@code Error: Removing state 57 which has instances left.}; the compressor's streams and the
     * device's table stay allocated (measured). Nothing of it is reachable afterwards: its files and
     * /dev node went with del_gendisk, and cpuhp_remove_multi_state re-initialises the state's
     * instance list (cpuhp_store_callbacks: INIT_HLIST_HEAD), so a later CPU down/up does NOT reach
     * the leaked compressor's callbacks (asserted: its streams stay as they were, no splat). The
     * crash of this bug is the other path, {@link #bug1ResetClaimDuringModuleExit}.
     *
     * <p>seed/all: kernfs refuses the store (the owner module is going): ENODEV. upstream: the store
     * succeeds and the second reset after del_gendisk frees it. patch11: the store waits for the
     * index mutex that exit holds, and exit's del_gendisk waits for the store: bug 2.
     */
    @Test
    void bug1DisksizeBetweenExitsResetAndDelGendisk() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w1 = writeData(m, 1, "1M", 11, 8);
            AtomicReference<Task> store = new AtomicReference<>();
            AtomicReference<Waitable> blocked = new AtomicReference<>();
            Completion hooked = new Completion(m.kernel(), "race arranged");
            m.zram().setHook(ZramDriverHook.REMOVE_BEFORE_DEL_GENDISK, site -> {
                if (site.zram().id() != 0 || site.driver().self().isLive()) {
                    return;
                }
                Task t = RaceKit.store(m, "disksize-store", "/sys/block/zram0/disksize", "1M");
                store.set(t);
                blocked.set(awaitDoneOrBlocked(m, t, named("zram_index_mutex")));
                hooked.complete();
            });
            assertThat(verifySurvivors(m, w1)).containsExactly("/dev/zram1");
            Task rmmod = RaceKit.rmmod(m);
            switch (fixes()) {
                case NONE -> {
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertThat(store.get().join()).isEqualTo("2");
                    KernelLog.Scan s = m.kernel().log().scan(marker);
                    assertThat(m.kernel().log().dmesgSince(marker)).contains(STATE_LEFT);
                    assertThat(s.count(SplatKind.WARNING)).isEqualTo(1);
                    assertThat(s.count(SplatKind.BUG) + s.count(SplatKind.OOPS) + s.count(SplatKind.HUNG_TASK)
                            + s.count(SplatKind.CIRCULAR_LOCKING)).isZero();
                    assertThat(d.removedDevicesHoldingMemory()).extracting(ZramDisk::name).containsExactly("zram0");
                    ZramMemory held = d.memoryHeld();
                    assertThat(held.streamBytes()).as("the leaked compressor's streams").isEqualTo(d.host().streamBytes()).isPositive();
                    assertThat(held.tableHeapBytes()).as("the leaked device's slot table").isPositive();
                    ZramControl leaked = d.removedDevicesHoldingMemory().get(0).control();
                    Zcomp comp = leaked.compressor(ZramDevice.PRIMARY_COMP);
                    assertThat(comp.isDestroyed()).isFalse();
                    int streams = comp.liveStreams();
                    assertThat(Zcomp.stateRegistered(m.hotplug())).isFalse();
                    // Nothing reachable: no files, no node, no callbacks.
                    assertThat(m.exists("/sys/block/zram0")).isFalse();
                    assertThat(m.exists("/dev/zram0")).isFalse();
                    long afterUnload = m.kernel().log().marker();
                    m.hotplug().cpuDown(1);
                    m.hotplug().cpuUp(1);
                    assertThat(comp.liveStreams()).as("cpuhp forgot the instance: its dead/prepare callbacks did not run").isEqualTo(streams);
                    assertClean(m, afterUnload);
                    // A reload registers the state afresh; the leak stays.
                    m.zram().clearHooks();
                    m.modprobe("zram");
                    assertThat(m.zram().loaded().devices()).hasSize(1);
                    m.rmmod("zram");
                    assertClean(m, afterUnload);
                    assertThat(d.memoryHeld()).isEqualTo(held);
                    report("bug 1 (disksize between exit's reset and del_gendisk)", "store=2, rmmod ok, WARN, leaked " + held
                            + ", compressor " + comp + " untouched by cpu1 down/up, nothing reachable\n" + lines(m, marker, "Error: Removing", "WARNING:"));
                }
                case UPSTREAM -> {
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertThat(store.get().join()).isEqualTo("2");
                    assertClean(m, marker);
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    assertThat(d.removedDevicesHoldingMemory()).isEmpty();
                    report("bug 1 (disksize between exit's reset and del_gendisk)", "store=2, undone by the second reset; no splat, nothing held");
                }
                case SEED, ALL -> {
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertThat(store.get().join()).isEqualTo("ENODEV");
                    assertClean(m, marker);
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    report("bug 1 (disksize between exit's reset and del_gendisk)", "store=ENODEV (kernfs: owner going); no splat, nothing held");
                }
                case PATCH11 -> {
                    assertThat(hooked.await(RaceKit.BOUND)).isTrue();
                    assertThat(blocked.get()).as("the store waits for the index mutex exit holds").isNotNull();
                    awaitHungTasks(m, marker, 2);
                    assertThat(rmmod.isDone()).as("exit is stuck in del_gendisk's drain").isFalse();
                    store.get().interrupt();
                    assertThat(store.get().join()).isEqualTo("EINTR");
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertDeadlockReported(m, marker, "rmmod", "disksize-store");
                    assertThat(m.kernel().log().dmesgSince(marker)).doesNotContain(STATE_LEFT);
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    report("bug 1 (disksize between exit's reset and del_gendisk)", "the store deadlocks against exit (bug 2), broken with EINTR\n"
                            + lines(m, marker, "INFO: task", "possible circular"));
                }
                default -> throw new AssertionError(fixes());
            }
        }
    }

    /**
     * Bug 1 by the path Ming Lei identified: a reset_store has claimed the device when rmmod runs.
     *
     * <p>none: zram_remove answers EBUSY for a claimed device and destroy_devices ignores it
     * (zram_remove_cb returns 0): the device stays registered and initialised, so the multi-state
     * removal WARNs {@code Error: Removing state 57 which has instances left.}. The reset is let go
     * at the last point of exit, before the loader frees the module (in the kernel its window is
     * that short); its zcomp_destroy finds the state gone (cpuhp_state_remove_instance: EINVAL),
     * so the streams are never freed (measured). What oopses is the leaked device's sysfs handlers:
     * /sys/block/zram0 is still there and reading disksize calls disksize_show in the unloaded
     * module's text (BUG: unable to handle page fault ... + Oops). CPU down/up reaches nothing
     * (cpuhp forgot the instance list) and a reload fails with EEXIST (zram0 is taken).
     *
     * <p>upstream: removal finds the device claimed and waits for the reset (del_gendisk drains it).
     * seed/all: the reset's active reference holds the module: rmmod answers "in use" until it is
     * done. patch11: exit waits for the index mutex the reset holds; no deadlock in this order, but
     * lockdep reports the cycle (exit drains reset's kn->active holding the mutex the reset took).
     */
    @Test
    void bug1ResetClaimDuringModuleExit() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            writeData(m, 0, "1M", 5, 4);
            Written w1 = writeData(m, 1, "1M", 6, 4);
            Completion claimed = new Completion(m.kernel(), "reset claimed");
            Completion release = new Completion(m.kernel(), "reset may go on");
            AtomicReference<Task> reset = new AtomicReference<>();
            m.zram().setHook(ZramDriverHook.RESET_CLAIMED, site -> {
                claimed.complete();
                release.await(RaceKit.BOUND);
            });
            m.zram().setHook(ZramDriverHook.REMOVE_BEFORE_DEL_GENDISK, site -> {
                if (site.zram().id() == 0) {
                    release.complete(); // upstream: del_gendisk waits for the reset from here
                }
            });
            m.zram().setHook(ZramDriverHook.EXIT_DONE, site -> {
                release.complete(); // none: let the reset finish before the module's text is freed
                reset.get().join();
            });
            reset.set(RaceKit.store(m, "reset-store", "/sys/block/zram0/reset", "1"));
            assertThat(claimed.await(RaceKit.BOUND)).isTrue();
            switch (fixes()) {
                case NONE -> {
                    assertThat(rmmodNow(m)).isEqualTo("0");
                    assertThat(reset.get().join()).isEqualTo("1");
                    String dmesg = m.kernel().log().dmesgSince(marker);
                    assertThat(dmesg).contains(STATE_LEFT).doesNotContain("Removed device: zram0");
                    assertThat(d.leakedDevices()).extracting(ZramDisk::name).containsExactly("zram0");
                    ZramMemory held = d.memoryHeld();
                    assertThat(held.streamBytes()).as("streams of the compressor the reset could not remove").isPositive();
                    assertThat(d.host().streamBytes()).isEqualTo(held.streamBytes());
                    long before = m.kernel().log().marker();
                    m.hotplug().cpuDown(1);
                    m.hotplug().cpuUp(1);
                    assertClean(m, before);
                    assertThat(m.exists("/sys/block/zram0/disksize")).isTrue();
                    assertThatThrownBy(() -> m.cat("/sys/block/zram0/disksize")).isInstanceOf(KernelOops.class);
                    KernelLog.Scan oops = m.kernel().log().scan(before);
                    assertThat(oops.count(SplatKind.BUG)).isEqualTo(1);
                    assertThat(oops.count(SplatKind.OOPS)).isEqualTo(1);
                    assertThat(m.kernel().log().dmesgSince(before)).contains("disksize_show [zram, unloaded]");
                    m.zram().clearHooks();
                    assertThat(ZramTesting.errnoOf(() -> m.modprobe("zram"))).isEqualTo(Errno.EEXIST);
                    report("bug 1 (reset claim during exit)", "rmmod ok but zram0 leaked, WARN, " + held
                            + " held; cat disksize oopses; reload EEXIST\n"
                            + lines(m, marker, "Error: Removing", "cannot remove the compression", "BUG:", "Oops:", "RIP:"));
                }
                case UPSTREAM -> {
                    assertThat(rmmodNow(m)).isEqualTo("0");
                    assertThat(reset.get().join()).isEqualTo("1");
                    assertClean(m, marker);
                    assertThat(d.leakedDevices()).isEmpty();
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    report("bug 1 (reset claim during exit)", "removal waited for the reset; no splat, nothing held");
                }
                case SEED, ALL -> {
                    assertThat(rmmodNow(m)).as("the reset's active reference holds the module").isEqualTo("EAGAIN");
                    assertThat(verifySurvivors(m, w1)).containsExactly("/dev/zram1");
                    release.complete();
                    assertThat(reset.get().join()).isEqualTo("1");
                    assertThat(rmmodNow(m)).isEqualTo("0");
                    assertClean(m, marker);
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    report("bug 1 (reset claim during exit)", "rmmod: in use (EWOULDBLOCK) while the reset runs, then ok; zram1's data intact");
                }
                case PATCH11 -> {
                    Task rmmod = RaceKit.rmmod(m);
                    awaitBlocked(m, rmmod, named("zram_index_mutex"));
                    release.complete();
                    assertThat(reset.get().join()).isEqualTo("1");
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertOnlyTheLockdepCycle(m, marker);
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    report("bug 1 (reset claim during exit)", "exit waited for the reset's index mutex; lockdep reports the cycle, no deadlock this time");
                }
                default -> throw new AssertionError(fixes());
            }
        }
    }

    // ======================================================================= bug 2: store vs module removal

    /**
     * Bug 2: a disksize store that arrives while module exit runs (at its start: with patch 11 the
     * index mutex is held and zram_up false). patch11: the store gets its active reference (no owner
     * references), waits for the mutex, and exit's del_gendisk waits for that reference: deadlock,
     * reported by the hung-task watchdog (both tasks, who holds what) and lockdep; interrupting the
     * store breaks it. seed/all: kernfs refuses the store (owner going): ENODEV. none/upstream: exit
     * takes no index mutex, so there is nothing to deadlock on: the store initialises zram0 (the
     * module is going but nothing stops it) and exit then removes zram0 normally.
     */
    @Test
    void bug2StoreArrivingWhileExitHoldsTheIndexMutex() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w1 = writeData(m, 1, "1M", 21, 6);
            AtomicReference<Task> store = new AtomicReference<>();
            AtomicReference<Waitable> blocked = new AtomicReference<>();
            Completion hooked = new Completion(m.kernel(), "race arranged");
            m.zram().setHook(ZramDriverHook.EXIT_START, site -> {
                assertThat(site.driver().indexMutex().isHeldByCurrentThread()).isEqualTo(fixes().zramUpGuard());
                Task t = RaceKit.store(m, "disksize-store", "/sys/block/zram0/disksize", "1M");
                store.set(t);
                blocked.set(awaitDoneOrBlocked(m, t, named("zram_index_mutex")));
                hooked.complete();
            });
            assertThat(verifySurvivors(m, w1)).hasSize(1);
            Task rmmod = RaceKit.rmmod(m);
            if (fixes() == ZramFixes.PATCH11) {
                assertThat(hooked.await(RaceKit.BOUND)).isTrue();
                assertThat(blocked.get()).isNotNull();
                awaitHungTasks(m, marker, 2);
                assertThat(rmmod.isDone()).isFalse();
                store.get().interrupt();
                assertThat(store.get().join()).isEqualTo("EINTR");
                assertThat(rmmod.join()).isEqualTo("0");
                assertDeadlockReported(m, marker, "rmmod", "disksize-store");
                report("bug 2 (store while exit holds the index mutex)", "deadlock: hung tasks + lockdep, broken by EINTR\n"
                        + lines(m, marker, "INFO: task", "possible circular", "lock(", "*** DEADLOCK ***"));
            } else {
                assertThat(rmmod.join()).isEqualTo("0");
                String expected = fixes().ownerReferences() ? "ENODEV" : "2";
                assertThat(store.get().join()).isEqualTo(expected);
                assertClean(m, marker);
                report("bug 2 (store while exit holds the index mutex)", "store=" + expected
                        + (fixes().ownerReferences() ? " (kernfs: owner going)" : " (exit holds no index mutex: no deadlock)") + "; no report");
            }
            assertThat(d.memoryHeld()).isEqualTo(NOTHING);
        }
    }

    /**
     * Bug 2 with the kernfs failure-injection wait point after the active reference (the seed's
     * selftest 0032, on zram): the store has its reference when rmmod starts. seed/all: the
     * reference holds the module, rmmod answers "in use". none/upstream: exit starts under the
     * store and del_gendisk waits for it; once released the store initialises zram0 after the
     * removal's reset, which leaks it without upstream's second reset (bug 1 again: WARN, memory
     * held). patch11: released, the store waits for the index mutex exit holds: deadlock, broken by
     * interrupting it.
     */
    @Test
    void bug2StoreInFlightWhenRmmodStarts() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w1 = writeData(m, 1, "1M", 31, 6);
            KernfsFailureInjection fi = m.kernfs().failureInjection();
            fi.faultAttr().setProbability(100);
            fi.faultAttr().setInterval(1);
            fi.faultAttr().setTimes(1);
            fi.setSleepAfterWait(Duration.ZERO);
            fi.setWait(KernfsFailureInjection.WaitPoint.AFTER_ACTIVE, true);
            Task store = RaceKit.store(m, "disksize-store", "/sys/block/zram0/disksize", "1M");
            awaitBlocked(m, store, named("kernfs_debug_wait_completion"));
            fi.disarmAll();
            String outcome;
            switch (fixes()) {
                case SEED, ALL -> {
                    assertThat(rmmodNow(m)).isEqualTo("EAGAIN");
                    assertThat(verifySurvivors(m, w1)).hasSize(1);
                    fi.completion().complete();
                    assertThat(store.join()).isEqualTo("2");
                    assertThat(rmmodNow(m)).isEqualTo("0");
                    assertClean(m, marker);
                    outcome = "rmmod: in use while the store holds its reference; store=2, then rmmod ok; no report";
                }
                case NONE, UPSTREAM -> {
                    Task rmmod = RaceKit.rmmod(m);
                    awaitBlocked(m, rmmod, drain());
                    fi.completion().complete();
                    assertThat(store.join()).isEqualTo("2");
                    assertThat(rmmod.join()).isEqualTo("0");
                    if (fixes() == ZramFixes.NONE) {
                        assertThat(m.kernel().log().dmesgSince(marker)).contains(STATE_LEFT);
                        assertThat(m.kernel().log().scan(marker).count(SplatKind.WARNING)).isEqualTo(1);
                        assertThat(d.removedDevicesHoldingMemory()).extracting(ZramDisk::name).containsExactly("zram0");
                        outcome = "exit's del_gendisk waited for the store, which re-initialised zram0 after the removal's reset: leaked "
                                + d.memoryHeld() + " (zram1 was removed cleanly)\n" + lines(m, marker, "Error: Removing");
                    } else {
                        assertClean(m, marker);
                        assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                        outcome = "exit's del_gendisk waited for the store (store=2), the second reset freed it; no report";
                    }
                }
                case PATCH11 -> {
                    Task rmmod = RaceKit.rmmod(m);
                    awaitBlocked(m, rmmod, drain());
                    fi.completion().complete();
                    awaitBlocked(m, store, named("zram_index_mutex"));
                    awaitHungTasks(m, marker, 2);
                    store.interrupt();
                    assertThat(store.join()).isEqualTo("EINTR");
                    assertThat(rmmod.join()).isEqualTo("0");
                    assertDeadlockReported(m, marker, "rmmod", "disksize-store");
                    assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                    outcome = "deadlock (the released store waits for the index mutex exit holds), broken by EINTR";
                }
                default -> throw new AssertionError(fixes());
            }
            report("bug 2 (store in flight at the kernfs wait point after the active reference)", outcome);
        }
    }

    /**
     * Lockdep reports bug 2's cycle from a run whose timing did not deadlock (a disksize store, then
     * rmmod) exactly when exit drains the store's file holding the mutex the store takes: patch11
     * (can deadlock) and seed, whose 09/12 left the drain's annotation alone: lockdep reports the
     * same cycle, which cannot deadlock (with 09/12 exit cannot start under a store, and a store
     * arriving during exit fails at kernfs). all/none/upstream: no store takes the index mutex.
     */
    @Test
    void bug2LockdepReportsTheCycleWithoutADeadlock() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w0 = writeData(m, 0, "1M", 41, 4);
            Written w1 = writeData(m, 1, "1M", 42, 4);
            assertThat(verifySurvivors(m, w0, w1)).hasSize(2);
            assertThat(rmmodNow(m)).isEqualTo("0");
            assertThat(d.memoryHeld()).isEqualTo(NOTHING);
            if (fixes() == ZramFixes.PATCH11) {
                assertOnlyTheLockdepCycle(m, marker);
                assertThat(m.kernel().log().scan(marker).count(SplatKind.HUNG_TASK)).isZero();
                Lockdep.CircularVerdict v = assertCycleCanDeadlock(m);
                report("bug 2 without a deadlock", "lockdep reports the cycle, " + v.describe() + "\n"
                        + lines(m, marker, "possible circular", "lock(", "&"));
            } else if (fixes() == ZramFixes.SEED) {
                // 09/12 left lockdep's annotations alone: the kernel reports the cycle, which cannot close
                assertOnlyTheLockdepCycle(m, marker);
                Lockdep.CircularVerdict v = assertCycleCannotDeadlock(m);
                report("bug 2 without a deadlock", "lockdep reports the cycle, " + v.describe());
            } else {
                assertClean(m, marker);
                report("bug 2 without a deadlock", "no report");
            }
        }
    }

    // ======================================================================= what upstream fixed

    /**
     * "zram: fix race between zram_reset_device() and disksize_store()": a disksize store in the
     * window where the pre-5.16 reset has dropped init_lock. none: the store initialises the device
     * and the reset then frees the new table and pool (the device stays initialised over freed
     * memory: the next read is a KASAN use-after-free and fails with EIO; the old pool leaks).
     * upstream/all: reset holds init_lock throughout; the store waits for it. seed/patch11: the old
     * reset, but patch 11's index mutex in both stores serialises them.
     */
    @Test
    void resetVersusDisksize() {
        long chronicleBefore = chronicleNativeBytes();
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            writeData(m, 0, "1M", 51, 8);
            Written w1 = writeData(m, 1, "1M", 52, 8);
            AtomicReference<Task> store = new AtomicReference<>();
            AtomicReference<Waitable> blocked = new AtomicReference<>();
            Completion hooked = new Completion(m.kernel(), "race arranged");
            AtomicBoolean armed = new AtomicBoolean(true);
            java.util.function.Consumer<ZramDevice> race = dev -> {
                if (!dev.name().equals("zram0") || !armed.compareAndSet(true, false)) {
                    return;
                }
                Task t = RaceKit.store(m, "disksize-store", "/sys/block/zram0/disksize", "2M");
                store.set(t);
                blocked.set(awaitDoneOrBlocked(m, t, named("zram_index_mutex").or(named("&zram->init_lock"))));
                hooked.complete();
            };
            m.zram().setDeviceHook(ZramHook.RESET_UNLOCKED, race);
            m.zram().setDeviceHook(ZramHook.RESET_LOCKED, race);
            assertThat(ZramTesting.store(m, "/sys/block/zram0/reset", "1")).isEqualTo("1");
            m.zram().clearHooks();
            assertThat(store.get().join()).isEqualTo("2");
            String seen;
            switch (fixes()) {
                case NONE -> {
                    assertThat(blocked.get()).as("the store ran inside the reset's window").isNull();
                    long before = m.kernel().log().marker();
                    assertThat(ZramTesting.errnoOf(() -> {
                        try (MachineFile f = m.open("/dev/zram0", OpenFlag.RDONLY)) {
                            f.read(new byte[4096]);
                        }
                    })).isEqualTo(Errno.EIO);
                    assertThat(m.kernel().log().dmesgSince(before)).contains("BUG: KASAN: use-after-free");
                    seen = "the store slipped into the reset's window: zram0 initialised over freed meta, read -> EIO\n"
                            + lines(m, before, "KASAN");
                }
                case UPSTREAM, ALL -> {
                    assertThat(blocked.get().waitName()).startsWith("&zram->init_lock");
                    seen = "the store waited for init_lock (held by the reset throughout)";
                }
                case SEED, PATCH11 -> {
                    assertThat(blocked.get().waitName()).isEqualTo("zram_index_mutex");
                    seen = "the store waited for zram_index_mutex (patch 11's guard serialises the two stores)";
                }
                default -> throw new AssertionError(fixes());
            }
            if (fixes() != ZramFixes.NONE) {
                Written again = RaceKit.writePages(m, 0, 77, 4);
                assertThat(verifySurvivors(m, w1, again)).hasSize(2);
                assertClean(m, marker);
            } else {
                assertThat(verifySurvivors(m, w1)).hasSize(1);
            }
            assertThat(rmmodNow(m)).isEqualTo("0");
            long leaked = chronicleNativeBytes() - chronicleBefore;
            if (fixes() == ZramFixes.NONE) {
                assertThat(leaked).as("the pool the racing store's meta replaced").isPositive();
                seen += "\n  after rmmod: " + leaked + " native bytes never freed; " + splats(m, marker);
            } else {
                assertThat(leaked).isZero();
                assertThat(d.memoryHeld()).isEqualTo(NOTHING);
                if (fixes() == ZramFixes.PATCH11) {
                    assertOnlyTheLockdepCycle(m, marker); // bug 2's cycle, from the rmmod after the stores
                    seen += "; rmmod: lockdep reports bug 2's cycle";
                } else {
                    assertClean(m, marker);
                }
            }
            report("reset vs disksize", seen);
        }
    }

    /**
     * "zram: avoid race between zram_remove and disksize_store": a disksize store between
     * hot_remove's reset and del_gendisk. none: the store's compressor and table outlive the device
     * (leaked; rmmod WARNs that state 57 has instances left). upstream/all: the second reset after
     * del_gendisk frees them. seed/patch11: finding (a): the store waits for the index mutex that
     * hot_remove holds across del_gendisk, which waits for the store's active reference: deadlock,
     * reported and broken by interrupting the store. zram0 keeps its data throughout.
     */
    @Test
    void removeVersusDisksize() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w0 = writeData(m, 0, "1M", 61, 8);
            AtomicReference<Task> store = new AtomicReference<>();
            AtomicReference<Waitable> blocked = new AtomicReference<>();
            Completion hooked = new Completion(m.kernel(), "race arranged");
            m.zram().setHook(ZramDriverHook.REMOVE_BEFORE_DEL_GENDISK, site -> {
                if (site.zram().id() != 1 || !site.driver().self().isLive()) {
                    return;
                }
                Task t = RaceKit.store(m, "disksize-store", "/sys/block/zram1/disksize", "1M");
                store.set(t);
                blocked.set(awaitDoneOrBlocked(m, t, named("zram_index_mutex")));
                hooked.complete();
            });
            Task hotRemove = RaceKit.store(m, "hot_remove", "/sys/class/zram-control/hot_remove", "1");
            String seen;
            if (fixes().storeGuard()) {
                assertThat(hooked.await(RaceKit.BOUND)).isTrue();
                assertThat(blocked.get()).isNotNull();
                awaitHungTasks(m, marker, 2);
                assertThat(hotRemove.isDone()).isFalse();
                store.get().interrupt();
                assertThat(store.get().join()).isEqualTo("EINTR");
                assertThat(hotRemove.join()).isEqualTo("1");
                assertDeadlockReported(m, marker, "hot_remove", "disksize-store");
                seen = "finding (a): deadlock between hot_remove (index mutex, drain) and the store, broken by EINTR\n"
                        + lines(m, marker, "INFO: task", "possible circular");
            } else {
                assertThat(hotRemove.join()).isEqualTo("1");
                assertThat(store.get().join()).isEqualTo("2");
                if (fixes() == ZramFixes.NONE) {
                    assertThat(d.removedDevicesHoldingMemory()).extracting(ZramDisk::name).containsExactly("zram1");
                    seen = "store=2 after the removal's reset: zram1's compressor and table outlive it: "
                            + d.removedDevicesHoldingMemory().get(0).device().memory();
                } else {
                    assertThat(d.removedDevicesHoldingMemory()).isEmpty();
                    seen = "store=2, undone by the second reset";
                }
                assertClean(m, marker);
            }
            assertThat(m.exists("/sys/block/zram1")).isFalse();
            assertThat(verifySurvivors(m, w0)).containsExactly("/dev/zram0");
            m.zram().clearHooks();
            assertThat(rmmodNow(m)).isEqualTo("0");
            if (fixes() == ZramFixes.NONE) {
                assertThat(m.kernel().log().dmesgSince(marker)).contains(STATE_LEFT);
                assertThat(d.host().streamBytes()).isPositive();
                seen += "\n  rmmod: " + lines(m, marker, "Error: Removing");
            } else {
                assertThat(d.memoryHeld()).isEqualTo(NOTHING);
            }
            report("remove vs disksize", seen);
        }
    }

    /**
     * Finding (a) with reset_store: a reset of the device hot_remove is removing, arriving after
     * zram_remove claimed it. seed/patch11: patch 11's guard makes the reset wait for the index
     * mutex hot_remove holds, inside its active reference, and del_gendisk waits for that
     * reference: deadlock, broken by interrupting the reset. none/upstream/all: the reset finds the
     * device claimed by the removal and answers EBUSY at once.
     */
    @Test
    void findingAResetDuringHotRemove() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram", "num_devices=2");
            ZramDriver d = m.zram().loaded();
            Written w0 = writeData(m, 0, "1M", 81, 8);
            writeData(m, 1, "1M", 82, 4);
            AtomicReference<Task> reset = new AtomicReference<>();
            AtomicReference<Waitable> blocked = new AtomicReference<>();
            Completion hooked = new Completion(m.kernel(), "race arranged");
            m.zram().setHook(ZramDriverHook.REMOVE_BEFORE_DEL_GENDISK, site -> {
                if (site.zram().id() != 1 || !site.driver().self().isLive()) {
                    return;
                }
                Task t = RaceKit.store(m, "reset-store", "/sys/block/zram1/reset", "1");
                reset.set(t);
                blocked.set(awaitDoneOrBlocked(m, t, named("zram_index_mutex")));
                hooked.complete();
            });
            Task hotRemove = RaceKit.store(m, "hot_remove", "/sys/class/zram-control/hot_remove", "1");
            assertThat(hooked.await(RaceKit.BOUND)).isTrue();
            String seen;
            if (fixes().storeGuard()) {
                assertThat(blocked.get()).isNotNull();
                awaitHungTasks(m, marker, 2);
                reset.get().interrupt();
                assertThat(reset.get().join()).isEqualTo("EINTR");
                assertThat(hotRemove.join()).isEqualTo("1");
                assertDeadlockReported(m, marker, "hot_remove", "reset-store");
                seen = "deadlock between hot_remove and the reset store (patch 11's guard), broken by EINTR";
            } else {
                assertThat(blocked.get()).isNull();
                assertThat(reset.get().join()).isEqualTo("EBUSY");
                assertThat(hotRemove.join()).isEqualTo("1");
                assertClean(m, marker);
                seen = "reset=EBUSY (the removal claimed the device), hot_remove ok; no report";
            }
            assertThat(verifySurvivors(m, w0)).containsExactly("/dev/zram0");
            m.zram().clearHooks();
            assertThat(rmmodNow(m)).isEqualTo("0");
            assertThat(d.memoryHeld()).isEqualTo(NOTHING);
            report("finding (a) with reset_store", seen);
        }
    }

    /**
     * Finding (a) in a run whose timing did not deadlock: one disksize store (on zram0) and one
     * hot_remove (of another device) are enough for lockdep under patch 11's store guard (seed,
     * patch11): kn->active classes are per attribute, shared by every zram device, and hot_remove
     * drains disksize's class holding the index mutex that disksize_store takes inside it.
     */
    @Test
    void findingALockdepWithoutADeadlock() {
        try (Machine m = machine()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            ZramDriver d = m.zram().loaded();
            Written w0 = writeData(m, 0, "1M", 71, 8);
            assertThat(m.cat("/sys/class/zram-control/hot_add")).isEqualTo("1\n");
            assertThat(ZramTesting.store(m, "/sys/class/zram-control/hot_remove", "1")).isEqualTo("1");
            assertThat(verifySurvivors(m, w0)).containsExactly("/dev/zram0");
            if (fixes().storeGuard()) {
                assertOnlyTheLockdepCycle(m, marker);
                report("finding (a) without a deadlock", "lockdep reports the cycle\n" + lines(m, marker, "possible circular", "lock("));
            } else {
                assertClean(m, marker);
                report("finding (a) without a deadlock", "no report");
            }
            assertThat(rmmodNow(m)).isEqualTo("0");
            assertThat(d.memoryHeld()).isEqualTo(NOTHING);
        }
    }

    /** Which devices a load still knows, for messages. */
    static List<String> names(ZramDriver d) {
        return d.devices().stream().map(ZramDisk::name).toList();
    }
}
