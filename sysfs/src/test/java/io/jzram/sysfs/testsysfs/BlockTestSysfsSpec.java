// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.Completion;
import io.jzram.kernel.locking.HungTaskWatchdog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The block-only cases of the selftest: 0027/0028, the rmmod deadlock (a store waiting for the
 * driver's lock, or rtnl, while module exit holds it and drains the store's active reference), and
 * 0029-0032, the kernfs races between a write stopped at one of the failure-injection points and
 * the module's removal.
 *
 * <p>With the generic fix off these show the pre-fix kernel: the deadlock, caught by the hung-task
 * watchdog and reported by lockdep as a circular dependency, which the test then breaks by
 * interrupting the blocked store (EINTR) so the removal can finish; and writes that succeed when
 * they must fail. With the fix on they pass: the store gets ENODEV or rmmod answers "in use"; lockdep
 * still reports the cycle of 0027/0028 (the fix left kernfs_drain's annotation alone), with the
 * verdict that it cannot deadlock.
 */
abstract class BlockTestSysfsSpec extends TestSysfsSpec {

    static final Duration DEADLOCK_LOOP_TIME = Duration.ofMillis(600);
    static final int DELAY_RMMOD_MS = 100;
    /** How long the forced store sleeps after the completion: rmmod takes the lock well before. */
    static final int FORCED_SLEEP_AFTER_WAIT_MS = 250;
    static final int[] RACE_DELAYS_MS = {0, 8, 32, 300};
    static final String KERNFS_DEBUGFS_DIR = "/sys/kernel/debug/kernfs";

    private static void await(BooleanSupplier cond, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    // ---------------------------------------------------------------- kernfs debugfs knobs, as the script sets them

    private void failOnce() {
        String k = KERNFS_DEBUGFS_DIR + "/fail_kernfs_fop_write_iter/";
        echo(k + "interval", 1);
        echo(k + "probability", 100);
        echo(k + "space", 0);
        echo(k + "verbose", 0);
        echo(k + "times", 1);
    }

    private void failNever() {
        echo(KERNFS_DEBUGFS_DIR + "/fail_kernfs_fop_write_iter/times", 0);
    }

    private void disableAllWaits() {
        for (String w : m.ls(KERNFS_DEBUGFS_DIR + "/config_fail_kernfs_fop_write_iter")) {
            echo(KERNFS_DEBUGFS_DIR + "/config_fail_kernfs_fop_write_iter/" + w, 0);
        }
    }

    private void enableWait(String at) {
        echoN(KERNFS_DEBUGFS_DIR + "/config_fail_kernfs_fop_write_iter/wait_" + at, 1);
    }

    private void setWaitMs(int ms) {
        echo(KERNFS_DEBUGFS_DIR + "/sleep_after_wait_ms", ms);
    }

    private boolean waitingOnCompletion(Thread t) {
        for (HungTaskWatchdog.BlockedTask b : m.kernel().hungTaskWatchdog().blockedTasks()) {
            if (b.thread() == t && b.on() instanceof Completion) {
                return true;
            }
        }
        return false;
    }

    /** {@code set_test_ignore_errors &}: one echo in the background; the result is ok or the errno. */
    private Thread backgroundWrite(String name, int value, AtomicReference<Object> result) {
        Thread t = new Thread(() -> {
            try {
                echo(target, value);
                result.set("ok");
            } catch (ErrnoException e) {
                result.set(e.errno());
            }
        }, "sysfs-" + id + "-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void unloadForSure() throws InterruptedException {
        for (int i = 0; i < 100 && m.modules().find(DRIVER).isPresent(); i++) {
            if (attempt(() -> m.rmmod(DRIVER)) == null) {
                return;
            }
            Thread.sleep(20);
        }
    }

    // ---------------------------------------------------------------- 0027 / 0028

    /** What one rmmod-deadlock case saw. */
    private static final class DeadlockReport {
        boolean loopDeadlocked;
        boolean forcedDeadlocked;
        long hungTaskReports;
        int interrupted;
        Object forcedWrite;
        Errno forcedRmmod;
        String blockedTasks = "";
    }

    private void rmmodDeadlock(boolean rtnl) throws InterruptedException {
        allowedSplats.add(SplatKind.HUNG_TASK);
        allowedSplats.add(SplatKind.CIRCULAR_LOCKING);
        modprobeReset("enable_lock=1", "enable_lock_on_rmmod=1", "enable_verbose_writes=1");
        setTarget("test_dev_x");
        List<String> args = new ArrayList<>(List.of("enable_lock=1", "enable_lock_on_rmmod=1", "enable_verbose_writes=1"));
        if (rtnl) {
            args.add("use_rtnl_lock=1");
        }
        HungTaskWatchdog wd = m.kernel().hungTaskWatchdog();
        DeadlockReport seen = new DeadlockReport();

        // 1) the selftest: a write loop against a modprobe/rmmod loop, until it hangs or time is up
        LoopRunner loops = new LoopRunner("sysfs-" + id);
        writeLoop(loops, "write", new AtomicInteger(testStr));
        modprobeLoop(loops, args.toArray(new String[0]));
        seen.loopDeadlocked = loops.runFor(DEADLOCK_LOOP_TIME, () -> wd.reports() > 0);
        boolean stopped = loops.stopAndJoin(HUNG_TASK_TIMEOUT.plusMillis(400));
        if (!stopped) {
            await(() -> wd.reports() > 0, Duration.ofSeconds(5));
            seen.loopDeadlocked = wd.reports() > 0;
        }
        if (seen.loopDeadlocked) {
            seen.blockedTasks = wd.blockedTasks().toString();
            seen.interrupted += breakDeadlocks();
            stopped = loops.stopAndJoin(Duration.ofSeconds(5));
        }
        System.out.printf("sysfs/%04d (block, fix %s) phase 1, the selftest's loops for %d ms: deadlock %s%n%s", id,
                fix ? "on" : "off", DEADLOCK_LOOP_TIME.toMillis(), seen.loopDeadlocked, loops.report());
        assertThat(stopped).as("loops stopped after the deadlock was broken").isTrue();

        // 2) the same interleaving, forced: a store past its active reference while rmmod runs
        unloadForSure();
        args.add("enable_completion_on_rmmod=1");
        m.modprobe(DRIVER, modprobeArgs(args.toArray(new String[0])));
        setTarget("test_dev_x");
        failOnce();
        disableAllWaits();
        enableWait("after_active");
        setWaitMs(FORCED_SLEEP_AFTER_WAIT_MS);
        long reportsBefore = wd.reports();
        AtomicReference<Object> write = new AtomicReference<>();
        Thread writer = backgroundWrite("writer", testStr, write);
        await(() -> waitingOnCompletion(writer), Duration.ofSeconds(5));
        assertThat(waitingOnCompletion(writer)).as("the store waits after its active reference").isTrue();
        AtomicReference<Errno> rmmod = new AtomicReference<>();
        Thread remover = new Thread(() -> rmmod.set(attempt(() -> m.rmmod(DRIVER))), "sysfs-" + id + "-rmmod");
        remover.setDaemon(true);
        remover.start();
        if (fix) {
            remover.join(5000);
            writer.join(5000);
        } else {
            // both sides hang: rmmod in the drain, then the store on the lock (250 ms later)
            await(() -> wd.reports() >= reportsBefore + 2, Duration.ofSeconds(5));
            seen.forcedDeadlocked = wd.reports() >= reportsBefore + 2;
            seen.blockedTasks += wd.blockedTasks().toString();
            seen.interrupted += breakDeadlocks();
            writer.join(5000);
            remover.join(5000);
        }
        failNever();
        disableAllWaits();
        seen.forcedWrite = write.get();
        seen.forcedRmmod = rmmod.get();
        seen.hungTaskReports = wd.reports();
        assertThat(writer.isAlive() || remover.isAlive()).as("both sides finished").isFalse();
        System.out.printf("sysfs/%04d (block, fix %s) phase 2, forced: deadlock %s, write %s, rmmod %s, hung-task reports %d, "
                        + "lockdep circular reports %d, interrupted %d, blocked %s%n", id, fix ? "on" : "off",
                seen.forcedDeadlocked, seen.forcedWrite, seen.forcedRmmod == null ? "ok" : seen.forcedRmmod, seen.hungTaskReports,
                m.kernel().lockdep().circularReports(), seen.interrupted, seen.blockedTasks);

        String dmesg = m.kernel().log().dmesgSince(marker);
        String lock = rtnl ? "rtnl_mutex" : "&test_dev->config_mutex";
        String splats = dmesg.lines().filter(l -> !l.contains(": wrote x = ")).collect(java.util.stream.Collectors.joining("\n"));
        if (fix) {
            assertThat(seen.hungTaskReports).as(splats).isZero();
            // 09/12 left kernfs_drain's lockdep annotation alone: a lockdep kernel with the fix still
            // reports the cycle; it cannot deadlock, and lockdep's verdict says why.
            assertThat(m.kernel().lockdep().circularReports()).as(splats).isEqualTo(1);
            io.jzram.kernel.locking.Lockdep.CircularVerdict v = m.kernel().lockdep().circularVerdict();
            assertThat(v.canDeadlock()).as(v.describe()).isFalse();
            assertThat(v.reason()).as(v.describe()).contains("owner-module reference fix");
            System.out.printf("sysfs/%04d (block, fix on): lockdep %s%n", id, v.describe());
            assertThat(seen.forcedRmmod).as("rmmod while a store holds the module").isEqualTo(Errno.EWOULDBLOCK);
            assertThat(seen.forcedWrite).isEqualTo("ok");
            assertThat(dmesg).contains("waiting for kernfs_debug_wait_completion timed out");
            assertThat(attempt(() -> m.rmmod(DRIVER))).as("rmmod once the store is done").isNull();
        } else {
            assertThat(seen.loopDeadlocked || seen.forcedDeadlocked).as("the deadlock happened").isTrue();
            assertThat(seen.forcedDeadlocked).isTrue();
            assertThat(seen.hungTaskReports).isPositive();
            assertThat(dmesg).contains("blocked for more than").contains("is blocked on kernfs active references")
                    .contains("is blocked on a mutex " + lock);
            // lockdep reports once per boot: the first cycle it sees, which for 0028 may be the
            // first load's config_mutex (the script loads it without use_rtnl_lock)
            assertThat(m.kernel().lockdep().circularReports()).isEqualTo(1);
            assertThat(dmesg).contains("WARNING: possible circular locking dependency detected").contains("(kn->active")
                    .containsAnyOf("(" + lock + ")", "(&test_dev->config_mutex)");
            assertThat(m.kernel().lockdep().circularVerdict().canDeadlock()).as(m.kernel().lockdep().circularVerdict().describe())
                    .isTrue();
            assertThat(seen.interrupted).isPositive();
            assertThat(seen.forcedWrite).as("the interrupted store").isEqualTo(Errno.EINTR);
            assertThat(seen.forcedRmmod).as("rmmod finishes once the deadlock is broken").isNull();
        }
        assertThat(m.modules().find(DRIVER)).isEmpty();
    }

    @Test
    @SelftestCase(value = 27, description = "rmmod deadlock while writing x")
    void case27RmmodDeadlock() throws InterruptedException {
        rmmodDeadlock(false);
    }

    @Test
    @SelftestCase(value = 28, description = "rmmod deadlock using rtnl_lock while writing x")
    void case28RmmodDeadlockRtnl() throws InterruptedException {
        rmmodDeadlock(true);
    }

    // ---------------------------------------------------------------- 0029 - 0032

    /** One round of sysfs_race_kernfs_kernfs_fop_write_iter. */
    private record Round(int delayMs, Object write, Errno rmmod) {
        boolean writeOk() {
            return "ok".equals(write);
        }
    }

    /**
     * sysfs_race_kernfs_kernfs_fop_write_iter: stop a write at {@code at}, remove the module (its
     * exit completes the wait, sleeps delay_rmmod_ms, deletes the disk), let the write go on
     * {@code delay} ms after the completion. delay_rmmod_ms is {@value #DELAY_RMMOD_MS} here (0 in the
     * script) so that which side wins depends on the delay, not on scheduling luck.
     */
    private List<Round> raceRemovalOfStore(String at) throws InterruptedException {
        List<Round> rounds = new ArrayList<>();
        for (int delay : RACE_DELAYS_MS) {
            modprobeReset("enable_completion_on_rmmod=1", "enable_verbose_writes=1", "enable_verbose_rmmod=1",
                    "delay_rmmod_ms=" + DELAY_RMMOD_MS);
            setTarget("test_dev_x");
            // a completion left over from an earlier exit (one whose rmmod was refused and ran later)
            // would let this write through without waiting; the script has the same hazard
            m.kernfs().failureInjection().completion().reinit();
            failOnce();
            disableAllWaits();
            enableWait(at);
            setWaitMs(delay);
            AtomicReference<Object> write = new AtomicReference<>();
            Thread writer = backgroundWrite("write-" + delay, testStr, write);
            await(() -> waitingOnCompletion(writer), Duration.ofSeconds(5));
            assertThat(waitingOnCompletion(writer)).as("the write waits at " + at).isTrue();
            Errno rmmod = attempt(() -> m.rmmod(DRIVER));
            failNever();
            writer.join(5000);
            assertThat(writer.isAlive()).isFalse();
            rounds.add(new Round(delay, write.get(), rmmod));
            unloadForSure();
        }
        System.out.printf("sysfs/%04d (block, fix %s) race at %s, delay_rmmod_ms %d: %s%n", id, fix ? "on" : "off", at,
                DELAY_RMMOD_MS, rounds);
        return rounds;
    }

    /** 0029-0031: before the active reference the write must fail; without the fix it can succeed. */
    private void writeMustFail(String at) throws InterruptedException {
        List<Round> rounds = raceRemovalOfStore(at);
        for (Round r : rounds) {
            assertThat(r.rmmod()).as("rmmod in round " + r).isNull();
        }
        if (fix) {
            assertThat(rounds).allSatisfy(r -> assertThat(r.write()).as("write in round " + r).isEqualTo(Errno.ENODEV));
        } else {
            // the pre-fix kernel: a write that gets its active reference before del_gendisk runs the
            // store in a module that is going away, and succeeds
            assertThat(rounds.stream().filter(r -> r.delayMs() < DELAY_RMMOD_MS).anyMatch(Round::writeOk))
                    .as("a write succeeded while the module was going: " + rounds).isTrue();
            assertThat(rounds.stream().filter(r -> r.delayMs() > DELAY_RMMOD_MS))
                    .allSatisfy(r -> assertThat(r.write()).isEqualTo(Errno.ENODEV));
        }
    }

    @Test
    @SelftestCase(value = 29, description = "racing removal of store op with kernfs at start")
    void case29RaceAtStart() throws InterruptedException {
        writeMustFail("at_start");
    }

    @Test
    @SelftestCase(value = 30, description = "racing removal of store op with kernfs before mutex")
    void case30RaceBeforeMutex() throws InterruptedException {
        writeMustFail("before_mutex");
    }

    @Test
    @SelftestCase(value = 31, description = "racing removal of store op with kernfs after mutex")
    void case31RaceAfterMutex() throws InterruptedException {
        writeMustFail("after_mutex");
    }

    @Test
    @SelftestCase(value = 32, description = "racing removal of store op with kernfs after active")
    void case32RaceAfterActive() throws InterruptedException {
        List<Round> rounds = raceRemovalOfStore("after_active");
        assertThat(rounds).allSatisfy(r -> assertThat(r.writeOk()).as("write in round " + r).isTrue());
        if (fix) {
            // the store holds the module: rmmod answers "in use" and the wait times out
            assertThat(rounds).allSatisfy(r -> assertThat(r.rmmod()).isEqualTo(Errno.EWOULDBLOCK));
        } else {
            // rmmod goes ahead under the store and del_gendisk waits for it to finish
            assertThat(rounds).allSatisfy(r -> assertThat(r.rmmod()).isNull());
        }
    }
}
