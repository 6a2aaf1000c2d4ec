// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Errno;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which virtual CPU each Java thread (task) runs on: the emulator's scheduler, reduced to
 * placement. A task gets an active CPU on first use (round robin), may be pinned to one
 * ({@code sched_setaffinity} to a single CPU), and migrates lazily, on its next
 * {@link #currentCpu()}, when its CPU stops being active; a pinned task whose CPU goes down loses
 * its affinity with the kernel's message. Hotplug callbacks that run "on" a CPU temporarily place
 * the calling task there.
 *
 * <p>The hot path ({@link #currentCpu()}) is a ThreadLocal read and one volatile array read.
 * Locking: none; a task's fields are written by the task itself, except its CPU which racy readers
 * (splat headers) may see stale.
 */
public final class TaskPlacement {

    /** One task's placement. */
    static final class Task {
        final Thread thread;
        volatile int cpu = -1;
        volatile int pinned = -1;
        volatile int override = -1;

        Task(Thread thread) {
            this.thread = thread;
        }
    }

    private final CpuHotplug hotplug;
    private final Kernel kernel;
    private final ThreadLocal<Task> current = ThreadLocal.withInitial(this::register);
    private final ConcurrentHashMap<Thread, Task> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicInteger migrations = new AtomicInteger();

    TaskPlacement(CpuHotplug hotplug, Kernel kernel) {
        this.hotplug = hotplug;
        this.kernel = kernel;
    }

    private Task register() {
        Task t = new Task(Thread.currentThread());
        if (tasks.size() > 4096) {
            tasks.keySet().removeIf(th -> !th.isAlive());
        }
        tasks.put(t.thread, t);
        return t;
    }

    /** raw_smp_processor_id(): the calling task's CPU, placing or migrating it if needed. */
    public int currentCpu() {
        Task t = current.get();
        int o = t.override;
        if (o >= 0) {
            return o;
        }
        int c = t.cpu;
        if (c >= 0 && hotplug.isActive(c)) {
            return c;
        }
        return place(t, c);
    }

    private int place(Task t, int previous) {
        int pin = t.pinned;
        if (pin >= 0) {
            if (hotplug.isActive(pin)) {
                t.cpu = pin;
                return pin;
            }
            t.pinned = -1;
            kernel.log().info("process " + Kernel.pid(t.thread) + " (" + Kernel.comm(t.thread) + ") no longer affine to cpu" + pin);
        }
        int n = hotplug.nrCpus();
        int start = Math.floorMod(roundRobin.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            int c = (start + i) % n;
            if (hotplug.isActive(c)) {
                t.cpu = c;
                if (previous >= 0) {
                    migrations.incrementAndGet();
                }
                return c;
            }
        }
        // every CPU going down at once cannot happen (the last one never goes): fall back to cpu0
        t.cpu = 0;
        return 0;
    }

    /** Pins the calling task to one active CPU (EINVAL when it is not active). */
    public void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= hotplug.nrCpus() || !hotplug.isActive(cpu)) {
            throw new ErrnoException(Errno.EINVAL, "cpu" + cpu + " is not an active CPU");
        }
        Task t = current.get();
        t.pinned = cpu;
        t.cpu = cpu;
    }

    /** Lets the calling task run anywhere again. */
    public void unpinCurrentThread() {
        current.get().pinned = -1;
    }

    /** Runs {@code action} with the calling task placed on {@code cpu} (a callback "on" that CPU). */
    void runOn(int cpu, Runnable action) {
        Task t = current.get();
        int saved = t.override;
        t.override = cpu;
        try {
            action.run();
        } finally {
            t.override = saved;
        }
    }

    /** The CPU a task was last seen on (for reports); 0 for tasks never placed. */
    public int cpuOf(Thread thread) {
        Task t = tasks.get(thread);
        if (t == null) {
            return 0;
        }
        int o = t.override;
        if (o >= 0) {
            return o;
        }
        return Math.max(0, t.cpu);
    }

    /** How many times tasks moved because their CPU went down. */
    public int migrations() {
        return migrations.get();
    }
}
