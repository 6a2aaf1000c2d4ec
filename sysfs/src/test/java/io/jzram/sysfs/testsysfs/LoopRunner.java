// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import io.jzram.kernel.ErrnoException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The selftest's background loops ({@code write_loop &}, {@code modprobe_loop &},
 * {@code kill_trigger_loop}) as threads with a stop flag and a tally of what each attempt answered
 * (ok or the errno), so every concurrency test can report what it saw.
 */
final class LoopRunner {

    /** What a loop body records its attempts into. */
    final class Tally {
        private final String loop;

        Tally(String loop) {
            this.loop = loop;
        }

        /** Runs one attempt and records "label ok" or "label ERRNO". */
        boolean attempt(String label, Runnable r) {
            try {
                r.run();
                count(label + " ok");
                return true;
            } catch (ErrnoException e) {
                count(label + " " + e.errno().name());
                return false;
            }
        }

        void count(String what) {
            counts.computeIfAbsent(loop + ": " + what, k -> new LongAdder()).increment();
        }

        boolean stopping() {
            return stop;
        }
    }

    private final String prefix;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean stop;

    LoopRunner(String prefix) {
        this.prefix = prefix;
    }

    /** Starts {@code body} in a loop on its own (daemon) thread until stopped. */
    void start(String name, Consumer<Tally> body) {
        Tally tally = new Tally(name);
        Thread t = new Thread(() -> {
            while (!stop) {
                body.accept(tally);
                tally.count("iterations");
            }
        }, prefix + "-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** kill_trigger_loop: lets the loops run for {@code d}, or less when {@code abort} turns true. */
    boolean runFor(Duration d, BooleanSupplier abort) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < deadline) {
            if (abort.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return abort.getAsBoolean();
    }

    /** Stops the loops; true when every thread ended within {@code timeout}. */
    boolean stopAndJoin(Duration timeout) throws InterruptedException {
        stop = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    List<Thread> threads() {
        return threads;
    }

    long count(String key) {
        LongAdder a = counts.get(key);
        return a == null ? 0 : a.sum();
    }

    /** The tally, sorted, one "loop: outcome = n" per line. */
    String report() {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(counts).forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(v.sum()).append('\n'));
        return sb.toString();
    }
}
