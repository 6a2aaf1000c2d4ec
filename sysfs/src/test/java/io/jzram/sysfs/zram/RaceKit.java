// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.HungTaskWatchdog;
import io.jzram.kernel.locking.Waitable;
import io.jzram.kernel.module.KernelOops;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What the deterministic race tests are made of: tasks (named threads, so hung-task and lockdep
 * reports name them like the kernel names comm), waiting for a task to be done or to sleep in a
 * particular kernel primitive (a condition on the hung-task watchdog's list of sleepers, polled with
 * a bound: the primitives register every sleep there), waiting for hung-task reports, and data
 * written through /dev/zramN that is verified later.
 */
final class RaceKit {

    static final Duration BOUND = Duration.ofSeconds(10);

    private RaceKit() {
    }

    /** A task: one named thread running one operation; its result is the bytes written, an errno name, or OOPS. */
    static final class Task {
        final Thread thread;
        final CompletableFuture<String> result = new CompletableFuture<>();

        private Task(String name, Supplier<String> body) {
            this.thread = new Thread(() -> {
                try {
                    result.complete(body.get());
                } catch (KernelOops e) {
                    result.complete("OOPS");
                } catch (ErrnoException e) {
                    result.complete(e.errno().name());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            }, name);
            thread.setDaemon(true);
        }

        /** The result, waiting at most {@link #BOUND}. */
        String join() {
            try {
                return result.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError(thread.getName() + " did not finish: " + e, e);
            }
        }

        boolean isDone() {
            return result.isDone();
        }

        void interrupt() {
            thread.interrupt();
        }
    }

    /** Starts {@code body} on a thread named {@code name}. */
    static Task start(String name, Supplier<String> body) {
        Task t = new Task(name, body);
        t.thread.start();
        return t;
    }

    /** A store as a task: bytes written or the errno's name. */
    static Task store(Machine m, String name, String path, String value) {
        return start(name, () -> ZramTesting.store(m, path, value));
    }

    /** rmmod zram as a task: "0" or the errno's name. */
    static Task rmmod(Machine m) {
        return start("rmmod", () -> {
            m.rmmod("zram");
            return "0";
        });
    }

    /** rmmod zram on the calling thread: "0" or the errno's name. */
    static String rmmodNow(Machine m) {
        try {
            m.rmmod("zram");
            return "0";
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    /** Waitables by what they are called in reports. */
    static Predicate<Waitable> named(String waitName) {
        return w -> w.waitName().startsWith(waitName);
    }

    /** A kernfs drain (a remover waiting for active references). */
    static Predicate<Waitable> drain() {
        return w -> w.waitKind().equals("kernfs active references");
    }

    /** Where {@code t} sleeps now in a kernel primitive, or null. */
    static Waitable sleepingOn(Machine m, Thread t) {
        for (HungTaskWatchdog.BlockedTask b : m.kernel().hungTaskWatchdog().blockedTasks()) {
            if (b.thread() == t) {
                return b.on();
            }
        }
        return null;
    }

    /**
     * Waits until the task is done (returns null) or sleeps in a primitive that {@code blockedOn}
     * accepts (returns it). Fails after {@link #BOUND}.
     */
    static Waitable awaitDoneOrBlocked(Machine m, Task t, Predicate<Waitable> blockedOn) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            if (t.isDone()) {
                return null;
            }
            Waitable w = sleepingOn(m, t.thread);
            if (w != null && blockedOn.test(w)) {
                return w;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.thread.getName() + " neither finished nor blocked as expected; sleeping on " + w);
            }
            pause();
        }
    }

    /** {@link #awaitDoneOrBlocked(Machine, Task, Predicate)} for a plain thread: null when it ended. */
    static Waitable awaitDoneOrBlocked(Machine m, Thread t, Predicate<Waitable> blockedOn) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (t.isAlive()) {
            Waitable w = sleepingOn(m, t);
            if (w != null && blockedOn.test(w)) {
                return w;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " neither finished nor blocked as expected; sleeping on " + w);
            }
            pause();
        }
        return null;
    }

    /** Waits until {@code t} sleeps in a primitive {@code blockedOn} accepts; fails if it finishes instead. */
    static Waitable awaitBlocked(Machine m, Task t, Predicate<Waitable> blockedOn) {
        Waitable w = awaitDoneOrBlocked(m, t, blockedOn);
        if (w == null) {
            throw new AssertionError(t.thread.getName() + " finished (" + t.result.getNow(null) + ") instead of blocking");
        }
        return w;
    }

    /** Waits until the log has at least {@code n} hung-task reports since {@code marker}. */
    static void awaitHungTasks(Machine m, long marker, int n) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (m.kernel().log().scan(marker).count(SplatKind.HUNG_TASK) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + n + " hung-task reports:\n" + m.kernel().log().dmesgSince(marker));
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The log lines since {@code marker} that contain any of {@code needles}, formatted. */
    static String lines(Machine m, long marker, String... needles) {
        return m.kernel().log().since(marker).stream().filter(r -> Arrays.stream(needles).anyMatch(r.text()::contains))
                .map(KernelLog.Record::format).collect(Collectors.joining("\n"));
    }

    /** The splat kinds since {@code marker} as counts (empty when clean). */
    static String splats(Machine m, long marker) {
        KernelLog.Scan s = m.kernel().log().scan(marker);
        return s.clean() ? "no splat" : s.counts().toString();
    }

    /** Pages written to a device, to be read back later: what the writer was acknowledged. */
    static final class Written {
        final String dev;
        final byte[] data;

        private Written(String dev, byte[] data) {
            this.dev = dev;
            this.data = data;
        }

        /** Reads the pages back: every acknowledged byte must be there. */
        void verify(Machine m) {
            try (MachineFile f = m.open(dev, OpenFlag.RDONLY)) {
                byte[] back = new byte[data.length];
                int got = 0;
                while (got < back.length) {
                    int n = f.read(back, got, back.length - got);
                    assertThat(n).as(dev + " read").isPositive();
                    got += n;
                }
                assertThat(back).as("acknowledged writes on " + dev).isEqualTo(data);
            }
        }
    }

    /** Initialises {@code /sys/block/zramN} with {@code size} and writes {@code pages} mixed pages to /dev/zramN. */
    static Written writeData(Machine m, int id, String size, long seed, int pages) {
        assertThat(ZramTesting.store(m, "/sys/block/zram" + id + "/disksize", size)).isNotIn("EBUSY", "ENODEV", "EINVAL");
        return writePages(m, id, seed, pages);
    }

    /** Writes {@code pages} mixed pages to /dev/zramN (initialised already) from offset 0. */
    static Written writePages(Machine m, int id, long seed, int pages) {
        byte[] b = new byte[pages * 4096];
        Random r = new Random(seed);
        for (int p = 0; p < pages; p++) {
            switch (p % 3) {
                case 0 -> Arrays.fill(b, p * 4096, p * 4096 + 4096, (byte) (seed + p));
                case 1 -> {
                    byte[] x = new byte[4096];
                    r.nextBytes(x);
                    System.arraycopy(x, 0, b, p * 4096, 4096);
                }
                default -> {
                    for (int i = 0; i < 4096; i++) {
                        b[p * 4096 + i] = (byte) ("zram" + id + " page " + p + " ").charAt(i % 12);
                    }
                }
            }
        }
        String dev = "/dev/zram" + id;
        try (MachineFile f = m.open(dev, OpenFlag.RDWR)) {
            assertThat(f.write(b, 0, b.length)).isEqualTo(b.length);
        }
        return new Written(dev, b);
    }

    /** Verifies every set of pages whose device still exists; returns the devices verified. */
    static List<String> verifySurvivors(Machine m, Written... written) {
        List<String> ok = new java.util.ArrayList<>();
        for (Written w : written) {
            if (m.exists(w.dev) && m.zram().driver().isPresent()) {
                w.verify(m);
                ok.add(w.dev);
            }
        }
        return ok;
    }
}
