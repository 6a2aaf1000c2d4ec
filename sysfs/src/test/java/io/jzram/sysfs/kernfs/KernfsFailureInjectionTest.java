// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.Completion;
import io.jzram.kernel.locking.HungTaskWatchdog;
import io.jzram.kernel.locking.LockClass;
import io.jzram.sysfs.kernfs.KernfsFailureInjection.WaitPoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The write path's failure-injection wait points (the seed's patch 04/12). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KernfsFailureInjectionTest {

    private Kernel kernel;
    private KernfsRoot root;
    private KernfsNode file;
    private FnOps ops;
    private KernfsFailureInjection fi;
    private long marker;

    @BeforeEach
    void boot() {
        kernel = Kernel.boot();
        root = new KernfsRoot(kernel, "test", true, new Random(1));
        KernfsNode dir = root.createDir(root.root(), "dev", 0755, null, null);
        ops = new FnOps((of, page) -> page.emit("v\n"), s -> s.length());
        LockClass cls = kernel.lockdep().classFor("attr:x", "kn->active", LockClass.Kind.PSEUDO);
        file = root.createFile(dir, "x", 0644, PageBuffer.PAGE_SIZE, ops, null, cls, null);
        fi = root.failureInjection();
        FaultAttr a = fi.faultAttr();
        a.setInterval(1);
        a.setProbability(100);
        a.setSpace(0);
        a.setVerbose(0);
        a.setTimes(1);
        fi.setSleepAfterWait(Duration.ZERO);
        fi.setWaitTimeout(Duration.ofSeconds(10));
        marker = kernel.log().marker();
    }

    @AfterEach
    void shutdown() {
        kernel.close();
    }

    private Thread writer(AtomicReference<Object> result) {
        Thread t = new Thread(() -> {
            try (KernfsOpenFile of = KernfsOpenFile.open(file, false, true)) {
                result.set(of.write("5\n".getBytes(StandardCharsets.ISO_8859_1), 0, 2));
            } catch (ErrnoException e) {
                result.set(e.errno());
            }
        }, "writer");
        t.start();
        return t;
    }

    private boolean waitingOnCompletion(Thread t) {
        for (HungTaskWatchdog.BlockedTask b : kernel.hungTaskWatchdog().blockedTasks()) {
            if (b.thread() == t && b.on() instanceof Completion) {
                return true;
            }
        }
        return false;
    }

    private void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!waitingOnCompletion(t) && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(waitingOnCompletion(t)).as("writer waits at the armed point").isTrue();
    }

    @ParameterizedTest
    @EnumSource(WaitPoint.class)
    void eachWaitPointHoldsWhatTheWritePathHoldsThereAndFailsOnce(WaitPoint point) throws Exception {
        fi.setWait(point, true);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        awaitWaiting(w);
        List<String> held = kernel.lockdep().heldLocks(w).stream().map(h -> h.lockClass().name()).collect(Collectors.toList());
        boolean mutexHeld = point == WaitPoint.AFTER_MUTEX || point == WaitPoint.AFTER_ACTIVE;
        assertThat(held.contains("&of->mutex")).as("of->mutex held at " + point).isEqualTo(mutexHeld);
        assertThat(file.activeCount()).as("active reference at " + point).isEqualTo(point == WaitPoint.AFTER_ACTIVE ? 1 : 0);
        assertThat(ops.stores).isEmpty();
        fi.completion().complete();
        w.join(5000);
        assertThat(result.get()).isEqualTo(2);
        assertThat(ops.stores).containsExactly("5\n");
        assertThat(fi.faultAttr().times()).isZero();
        assertThat(kernel.log().dmesgSince(marker)).contains("kernfs_debug_wait received completion with time left on timeout")
                .contains("kernfs_debug_wait ended");
        // fail once: the next write does not wait
        AtomicReference<Object> second = new AtomicReference<>();
        Thread w2 = writer(second);
        w2.join(5000);
        assertThat(second.get()).isEqualTo(2);
        assertThat(kernel.log().scan(marker).clean()).isTrue();
    }

    @Test
    void theWaitTimesOutThenSleepsThenGoesOn() throws Exception {
        fi.setWait(WaitPoint.AFTER_ACTIVE, true);
        fi.setWaitTimeout(Duration.ofMillis(120));
        fi.setSleepAfterWait(Duration.ofMillis(60));
        AtomicReference<Object> result = new AtomicReference<>();
        long t0 = System.nanoTime();
        Thread w = writer(result);
        w.join(5000);
        long ms = (System.nanoTime() - t0) / 1_000_000L;
        assertThat(result.get()).isEqualTo(2);
        assertThat(ms).isGreaterThanOrEqualTo(170);
        assertThat(kernel.log().dmesgSince(marker)).contains("kernfs_debug_wait waiting for kernfs_debug_wait_completion timed out");
    }

    @Test
    void anInterruptedWaitGivesEintr() throws Exception {
        fi.setWait(WaitPoint.BEFORE_MUTEX, true);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        awaitWaiting(w);
        w.interrupt();
        w.join(5000);
        assertThat(result.get()).isEqualTo(Errno.EINTR);
        assertThat(ops.stores).isEmpty();
    }

    @Test
    void faultAttrFollowsShouldFail() {
        FaultAttr a = new FaultAttr("t", kernel.log(), new Random(3));
        assertThat(a.probability()).isZero();
        assertThat(a.interval()).isEqualTo(1);
        assertThat(a.times()).isEqualTo(1);
        assertThat(a.verbose()).isEqualTo(2);
        assertThat(a.shouldFail(0)).isFalse(); // probability 0
        a.setProbability(100);
        a.setVerbose(1);
        assertThat(a.shouldFail(0)).isTrue();
        assertThat(a.times()).isZero();
        assertThat(a.shouldFail(0)).isFalse(); // times used up
        a.setTimes(-1);
        a.setInterval(3);
        int fails = 0;
        for (int i = 0; i < 9; i++) {
            fails += a.shouldFail(0) ? 1 : 0;
        }
        assertThat(fails).isEqualTo(3);
        assertThat(a.times()).isEqualTo(-1);
        a.setInterval(1);
        a.setSpace(10);
        assertThat(a.shouldFail(4)).isFalse();
        assertThat(a.space()).isEqualTo(6);
        a.setSpace(0);
        a.setTaskFilter(true);
        assertThat(a.shouldFail(0)).isFalse();
        assertThat(kernel.log().dmesgSince(marker)).contains("FAULT_INJECTION: forcing a failure.")
                .contains("name t, interval 1, probability 100, space 0, times 1");
        assertThat(kernel.log().scan(marker).clean()).isTrue();
    }

    @Test
    void unarmedPointsNeverConsultTheFaultAttr() throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread w = writer(result);
        w.join(5000);
        assertThat(result.get()).isEqualTo(2);
        assertThat(fi.faultAttr().times()).isEqualTo(1);
    }
}
