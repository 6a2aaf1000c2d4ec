// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.Completion;
import io.jzram.kernel.locking.HungTaskWatchdog;
import io.jzram.kernel.locking.Mutex;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * tools/testing/selftests/sysfs/sysfs.sh (the seed's selftest) as a JUnit spec, the way Caffeine
 * structures its tests: the cases live here once, concrete subclasses pick the configuration with
 * {@link Flavour} (misc or block device, the generic fix on or off). This class has the thirteen
 * cases both device types run (0001-0013 on misc, 0014-0026 on block); {@link BlockTestSysfsSpec}
 * adds the block-only 0027-0032.
 *
 * <p>Same steps and assertions as the script, shortened timings: y's write delay 10 ms instead of
 * 500 (150 instead of 1500 for the "larger delay" cases), loops run 300 ms instead of 2 s, the
 * "busy" writers are {@value #BUSY_WRITERS} threads instead of 1000 background echos, the kernfs
 * wait times out after 200 ms instead of 3 s, khungtaskd fires after 600 ms. Each case starts with
 * the script's "run fstests sysfs/NNNN" marker and ends with its check_dmesg: a scan of the kernel
 * log since the marker that fails the case on any BUG, WARNING, Oops, lockdep report or hung task
 * it did not declare ({@link #allowedSplats}).
 */
@DisplayNameGeneration(SelftestNames.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class TestSysfsSpec {

    static final String DRIVER = TestSysfsModule.NAME;
    static final Duration HUNG_TASK_TIMEOUT = Duration.ofMillis(600);
    static final Duration KERNFS_WAIT_TIMEOUT = Duration.ofMillis(200);
    static final int WRITE_DELAY_MSEC_Y = 10;
    static final int LARGER_WRITE_DELAY_MSEC_Y = 150;
    static final Duration LOOP_TIME = Duration.ofMillis(300);
    static final int BUSY_WRITERS = 6;

    protected Machine m;
    protected boolean block;
    protected boolean fix;
    protected int id;
    protected String dir;
    protected long marker;
    protected final Set<SplatKind> allowedSplats = EnumSet.noneOf(SplatKind.class);
    protected String target;
    protected int orig;
    protected int testStr;

    /** The script's test number: the generic cases are 13 higher on a block device. */
    static int caseId(int n, boolean block) {
        return block && n <= 13 ? n + 13 : n;
    }

    @BeforeEach
    void loadModreqs(TestInfo info) {
        Flavour f = getClass().getAnnotation(Flavour.class);
        block = f.block();
        fix = f.genericFix();
        id = caseId(info.getTestMethod().orElseThrow().getAnnotation(SelftestCase.class).value(), block);
        dir = "/sys/devices/virtual/" + (block ? "block" : "misc") + "/" + DRIVER + "0";
        m = Machine.builder().cpus(2).hungTaskTimeout(HUNG_TASK_TIMEOUT).ownerReferenceFix(fix)
                .kernfsWaitTimeout(KERNFS_WAIT_TIMEOUT).seed(id).build();
        marker = m.kernel().log().marker();
        m.kernel().log().info(String.format("run fstests sysfs/%04d at %s", id,
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))));
        modprobeReset();
    }

    @AfterEach
    void checkDmesg() throws InterruptedException {
        try {
            breakDeadlocks();
            for (int i = 0; i < 50 && m.modules().find(DRIVER).isPresent(); i++) {
                if (attempt(() -> m.rmmod(DRIVER)) == null) {
                    break;
                }
                Thread.sleep(20);
            }
            KernelLog.Scan scan = m.kernel().log().scan(marker);
            List<KernelLog.Record> unexpected = new ArrayList<>();
            for (KernelLog.Record r : scan.hits()) {
                if (!allowedSplats.contains(r.splat())) {
                    unexpected.add(r);
                }
            }
            assertThat(unexpected).as("something found in dmesg:\n" + m.kernel().log().dmesgSince(marker)).isEmpty();
        } finally {
            m.close();
        }
    }

    // ---------------------------------------------------------------- the script's helpers

    /** The module arguments every load gets: the device type and the shortened y delay. */
    protected String[] modprobeArgs(String... extra) {
        List<String> args = new ArrayList<>();
        if (block) {
            args.add("devtype=1");
        }
        boolean delayGiven = Arrays.stream(extra).anyMatch(a -> a.startsWith("write_delay_msec_y="));
        if (!delayGiven) {
            args.add("write_delay_msec_y=" + WRITE_DELAY_MSEC_Y);
        }
        args.addAll(Arrays.asList(extra));
        return args.toArray(new String[0]);
    }

    /** modprobe_reset: {@code modprobe -q -r test_sysfs; modprobe test_sysfs ARGS}. */
    protected void modprobeReset(String... extra) {
        attempt(() -> m.rmmod(DRIVER));
        m.modprobe(DRIVER, modprobeArgs(extra));
    }

    /** Runs r; the errno it failed with, or null. */
    protected static Errno attempt(Runnable r) {
        try {
            r.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** {@code $(cat FILE)}: the content without its trailing newlines. */
    protected String cat(String path) {
        return m.cat(path).stripTrailing();
    }

    protected int catInt(String path) {
        return Integer.parseInt(cat(path));
    }

    /** {@code echo VALUE > FILE}. */
    protected void echo(String path, Object value) {
        m.writeString(path, value + "\n");
    }

    /** {@code echo -n VALUE > FILE}. */
    protected void echoN(String path, Object value) {
        m.writeString(path, String.valueOf(value));
    }

    protected void configReset() {
        echoN(dir + "/reset", "1");
    }

    protected void resetVals() {
        echoN(dir + "/test_dev_x", 3);
        echoN(dir + "/test_dev_x", 4);
    }

    protected void configEnableLock() {
        echoN(dir + "/config_enable_lock", 1);
    }

    protected void configWriteDelayMsecY(int ms) {
        echoN(dir + "/config_write_delay_msec_y", ms);
    }

    protected void setTarget(String attr) {
        target = dir + "/" + attr;
        orig = catInt(target);
        testStr = orig + 1;
    }

    /** verify(): x must read back TEST_STR, y must read x + TEST_STR + 7. */
    protected boolean verify() {
        int seen = catInt(target);
        if (target.endsWith("test_dev_x")) {
            return seen == testStr;
        }
        return seen == catInt(dir + "/test_dev_x") + testStr + 7;
    }

    /** dd of=FILE bs=BS: one write(2) per block, stopping at the first error (as dd does). */
    protected Errno dd(String path, byte[] data, int bs) {
        try (MachineFile f = m.open(path, OpenFlag.WRONLY, OpenFlag.CREAT, OpenFlag.TRUNC)) {
            for (int off = 0; off < data.length; off += bs) {
                f.write(data, off, Math.min(bs, data.length - off));
            }
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** run_numerictests_single_write, with the emulator's extra split-value check. */
    protected void runNumericTestsSingleWrite() {
        assertThat(verify()).as("Checking the sysfs file is not set to test value").isFalse();
        echo(target, testStr);
        assertThat(verify()).as("Writing to sysfs file from shell").isTrue();
        echo(target, orig);
        assertThat(verify()).as("Resetting sysfs file to original value").isFalse();

        // "Writing to the entire sysfs file in a single write": dd bs=4096 of the test file...
        echo(target, orig);
        assertThat(dd(target, bytes(testStr + "\n"), 4096)).isNull();
        assertThat(verify()).as("Writing to the entire sysfs file in a single write").isTrue();
        // ... and a real full page: the value, its newline, NUL padding to 4096 bytes
        echo(target, orig);
        byte[] page = Arrays.copyOf(bytes(testStr + "\n"), 4096);
        assertThat(m.write(target, page)).isEqualTo(4096);
        assertThat(verify()).as("a full-page write").isTrue();

        // "Writing to the sysfs file with multiple long writes": 50 A's then the value, dd bs=50
        echo(target, orig);
        Errno err = dd(target, bytes("A".repeat(50) + testStr + "\n"), 50);
        assertThat(err).as("the first 50-byte store is garbage and dd stops there").isEqualTo(Errno.EINVAL);
        assertThat(verify()).as("Writing to the sysfs file with multiple long writes").isFalse();

        // a value split over several writes is several stores: "1" then "2" sets 2, not 12
        echo(target, orig);
        int split = testStr * 10 + 1;
        int saved = testStr;
        testStr = split;
        dd(target, bytes(split + "\n"), 1);
        assertThat(verify()).as("a value split across one-byte writes").isFalse();
        testStr = saved;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Interrupts every test thread sleeping in a mutex or a completion (how a test breaks a deadlock). */
    protected int breakDeadlocks() {
        int n = 0;
        for (HungTaskWatchdog.BlockedTask b : m.kernel().hungTaskWatchdog().blockedTasks()) {
            if ((b.on() instanceof Mutex || b.on() instanceof Completion) && b.thread().getName().startsWith("sysfs-")) {
                b.thread().interrupt();
                n++;
            }
        }
        return n;
    }

    /** write_loop: {@code echo $TEST_STR > $TARGET; TEST_STR++} until stopped. */
    protected void writeLoop(LoopRunner loops, String name, AtomicInteger value) {
        loops.start(name, t -> t.attempt("write", () -> echo(target, value.getAndIncrement())));
    }

    /** modprobe_loop: load with ARGS, unload, until stopped. */
    protected void modprobeLoop(LoopRunner loops, String... extra) {
        String[] args = modprobeArgs(extra);
        loops.start("modprobe", t -> {
            t.attempt("modprobe", () -> m.modprobe(DRIVER, args));
            t.attempt("rmmod", () -> m.rmmod(DRIVER));
        });
    }

    /** reset_loop: {@code echo -n 1 > /sys/kernel/debug/test_sysfs/reset_first_test_dev} until stopped. */
    protected void resetLoop(LoopRunner loops) {
        loops.start("reset", t -> t.attempt("reset", () -> echoN("/sys/kernel/debug/" + DRIVER + "/reset_first_test_dev", 1)));
    }

    /** kill_trigger_loop + the "ok" check: both loops must stop in time (nothing hung). */
    protected void runLoopsAndCheck(LoopRunner loops) throws InterruptedException {
        loops.runFor(LOOP_TIME, () -> false);
        boolean stopped = loops.stopAndJoin(Duration.ofSeconds(5));
        System.out.printf("sysfs/%04d (%s, fix %s) loops ran %d ms:%n%s", id, block ? "block" : "misc", fix ? "on" : "off",
                LOOP_TIME.toMillis(), loops.report());
        assertThat(stopped).as("loops stopped (no deadlock)\n" + loops.report()).isTrue();
    }

    // ---------------------------------------------------------------- the cases

    @Test
    @SelftestCase(value = 1, description = "writing x in different ways")
    void case01WriteX() {
        configReset();
        resetVals();
        setTarget("test_dev_x");
        runNumericTestsSingleWrite();
    }

    @Test
    @SelftestCase(value = 2, description = "writing y in different ways")
    void case02WriteY() {
        configReset();
        setTarget("test_dev_y");
        runNumericTestsSingleWrite();
    }

    @Test
    @SelftestCase(value = 3, description = "writing x in different ways using a mutex lock")
    void case03WriteXLocked() {
        configReset();
        setTarget("test_dev_x");
        configEnableLock();
        runNumericTestsSingleWrite();
        assertThat(cat(dir + "/config")).contains("enable_lock:\ttrue");
    }

    @Test
    @SelftestCase(value = 4, description = "writing y in different ways using a mutex lock")
    void case04WriteYLocked() {
        configReset();
        setTarget("test_dev_y");
        configEnableLock();
        runNumericTestsSingleWrite();
    }

    private void loadUnloadWhileWriting(String attr, boolean busy, String... modprobeArgs) throws InterruptedException {
        modprobeReset(modprobeArgs);
        configReset();
        if (busy) {
            resetVals();
        }
        setTarget(attr);
        LoopRunner loops = new LoopRunner("sysfs-" + id);
        modprobeLoop(loops, modprobeArgs);
        AtomicInteger value = new AtomicInteger(testStr);
        int writers = busy ? BUSY_WRITERS : 1;
        for (int i = 0; i < writers; i++) {
            writeLoop(loops, "write" + i, value);
        }
        runLoopsAndCheck(loops);
        assertThat(loops.count("modprobe: iterations")).isPositive();
    }

    @Test
    @SelftestCase(value = 5, description = "writing x while loading and removing the test_sysfs module")
    void case05WriteXWhileLoadUnload() throws InterruptedException {
        loadUnloadWhileWriting("test_dev_x", false);
    }

    @Test
    @SelftestCase(value = 6, description = "writing y while loading and removing the test_sysfs module")
    void case06WriteYWhileLoadUnload() throws InterruptedException {
        loadUnloadWhileWriting("test_dev_y", false);
    }

    @Test
    @SelftestCase(value = 7, description = "writing y with a larger delay while loading and removing test_sysfs")
    void case07WriteYLargerDelayWhileLoadUnload() throws InterruptedException {
        loadUnloadWhileWriting("test_dev_y", false, "write_delay_msec_y=" + LARGER_WRITE_DELAY_MSEC_Y);
    }

    @Test
    @SelftestCase(value = 8, description = "busy writing x while removing the test_sysfs module")
    void case08BusyWriteXWhileLoadUnload() throws InterruptedException {
        loadUnloadWhileWriting("test_dev_x", true);
    }

    @Test
    @SelftestCase(value = 9, description = "busy writing y while removing the test_sysfs module")
    void case09BusyWriteYWhileLoadUnload() throws InterruptedException {
        loadUnloadWhileWriting("test_dev_y", true);
    }

    @Test
    @SelftestCase(value = 10, description = "busy writing y with a larger delay while removing test_sysfs")
    void case10BusyWriteYLargerDelayWhileLoadUnload() throws InterruptedException {
        attempt(() -> m.rmmod(DRIVER));
        loadUnloadWhileWriting("test_dev_y", true, "write_delay_msec_y=" + LARGER_WRITE_DELAY_MSEC_Y);
    }

    private void writeWhileResetting(String attr, Integer delay) throws InterruptedException {
        modprobeReset("enable_debugfs=1");
        configReset();
        resetVals();
        if (delay != null) {
            configWriteDelayMsecY(delay);
        }
        setTarget(attr);
        LoopRunner loops = new LoopRunner("sysfs-" + id);
        writeLoop(loops, "write", new AtomicInteger(testStr));
        resetLoop(loops);
        runLoopsAndCheck(loops);
        assertThat(loops.count("reset: reset ok")).isPositive();
    }

    @Test
    @SelftestCase(value = 11, description = "writing x and resetting the device")
    void case11WriteXWhileResetting() throws InterruptedException {
        writeWhileResetting("test_dev_x", null);
    }

    @Test
    @SelftestCase(value = 12, description = "writing y and resetting the device")
    void case12WriteYWhileResetting() throws InterruptedException {
        writeWhileResetting("test_dev_y", null);
    }

    @Test
    @SelftestCase(value = 13, description = "writing y with a larger delay and resetting the device")
    void case13WriteYLargerDelayWhileResetting() throws InterruptedException {
        writeWhileResetting("test_dev_y", LARGER_WRITE_DELAY_MSEC_Y);
    }
}
