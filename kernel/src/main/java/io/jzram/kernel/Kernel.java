// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import io.jzram.kernel.locking.HungTaskWatchdog;
import io.jzram.kernel.locking.Lockdep;
import io.jzram.kernel.module.ModuleLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * One emulated kernel: its log, its lockdep graph, its hung-task watchdog and its module loader.
 * Everything an emulated machine owns hangs off one of these; nothing is static, so many kernels
 * can run side by side in one JVM (tests run machines in parallel).
 *
 * <p>A task is a Java thread: its PID is the thread id and its {@code comm} the thread name cut to
 * 15 characters (TASK_COMM_LEN). The CPU a task runs on is supplied by the hotplug layer once it is
 * attached ({@link #attachCpuIds}); until then every task reports CPU 0.
 *
 * <p>Subsystems of other layers (core's free-page pool, the machine's mm) hang off a kernel through
 * {@link #subsystem}: made once, on first use, and closed with the kernel.
 *
 * <p>Lifecycle: {@link #close()} stops the watchdog thread and closes the subsystems, the last made
 * first; the kernel's log stays readable.
 */
public final class Kernel implements AutoCloseable {

    /** Default {@code /proc/sys/kernel/hung_task_timeout_secs}. */
    public static final Duration DEFAULT_HUNG_TASK_TIMEOUT = Duration.ofSeconds(120);

    private final long bootNanos = System.nanoTime();
    private final String release;
    private final KernelLog log;
    private final Lockdep lockdep;
    private final HungTaskWatchdog hungTask;
    private final ModuleLoader modules;
    private final AtomicInteger oopsCount = new AtomicInteger();
    private final StringBuffer taints = new StringBuffer();
    private volatile ToIntFunction<Thread> cpuIds = t -> 0;
    /** Guarded by itself. */
    private final Map<Class<?>, AutoCloseable> subsystems = new LinkedHashMap<>();
    private boolean closed;

    private Kernel(Builder b) {
        this.release = b.release;
        this.log = new KernelLog(this, b.logCapacity);
        this.lockdep = new Lockdep(this, b.proveLocking);
        this.hungTask = new HungTaskWatchdog(this, b.hungTaskTimeout);
        this.modules = new ModuleLoader(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A kernel with the defaults: lockdep on, 120 s hung-task timeout, 64 Ki log records. */
    public static Kernel boot() {
        return builder().build();
    }

    /** Kernel configuration: what would be CONFIG_ options and boot parameters. */
    public static final class Builder {
        private String release = "6.18.44-jzram";
        private int logCapacity = 1 << 16;
        private boolean proveLocking = true;
        private Duration hungTaskTimeout = DEFAULT_HUNG_TASK_TIMEOUT;

        private Builder() {
        }

        /** uname -r. */
        public Builder release(String release) {
            this.release = Objects.requireNonNull(release);
            return this;
        }

        /** Records the log ring holds (the kernel's log_buf_len, counted in lines). */
        public Builder logCapacity(int records) {
            this.logCapacity = records;
            return this;
        }

        /** CONFIG_PROVE_LOCKING: lockdep's dependency graph and reports. */
        public Builder lockdep(boolean on) {
            this.proveLocking = on;
            return this;
        }

        /** hung_task_timeout_secs; zero disables the watchdog. */
        public Builder hungTaskTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative hung task timeout " + timeout);
            }
            this.hungTaskTimeout = timeout;
            return this;
        }

        public Kernel build() {
            return new Kernel(this);
        }
    }

    public KernelLog log() {
        return log;
    }

    public Lockdep lockdep() {
        return lockdep;
    }

    public HungTaskWatchdog hungTaskWatchdog() {
        return hungTask;
    }

    public ModuleLoader modules() {
        return modules;
    }

    /** uname -r. */
    public String release() {
        return release;
    }

    /** Monotonic time since this kernel booted (the printk clock). */
    public long uptimeNanos() {
        return System.nanoTime() - bootNanos;
    }

    /** Lets the hotplug layer report which virtual CPU a task runs on. */
    public void attachCpuIds(ToIntFunction<Thread> cpuOfThread) {
        this.cpuIds = Objects.requireNonNull(cpuOfThread);
    }

    /** The CPU the calling task runs on, as splats print it. */
    public int currentCpu() {
        return cpuOf(Thread.currentThread());
    }

    public int cpuOf(Thread t) {
        return cpuIds.applyAsInt(t);
    }

    /** The PID of a task: its Java thread id. */
    @SuppressWarnings("deprecation")
    public static long pid(Thread t) {
        return t.getId();
    }

    /** The task's comm: its thread name cut to 15 characters, as TASK_COMM_LEN does. */
    public static String comm(Thread t) {
        String n = t.getName();
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    /** {@code comm/pid} as lockdep prints a task. */
    public static String task(Thread t) {
        return comm(t) + "/" + pid(t);
    }

    int nextOopsNumber() {
        return oopsCount.incrementAndGet();
    }

    /** Number of oopses so far. */
    public int oopses() {
        return oopsCount.get();
    }

    /** Adds a taint flag (W after a WARN, D after an oops), once. */
    public void taint(char flag) {
        synchronized (taints) {
            if (taints.indexOf(String.valueOf(flag)) < 0) {
                taints.append(flag);
            }
        }
    }

    /** The taint flags set so far, e.g. "WD"; empty when not tainted. */
    public String taints() {
        synchronized (taints) {
            return taints.toString();
        }
    }

    /** "Not tainted" or "Tainted: G        W" the way the kernel prints it in splat headers. */
    public String taintDescription() {
        String t = taints();
        if (t.isEmpty()) {
            return "Not tainted";
        }
        StringBuilder sb = new StringBuilder("Tainted: G");
        for (char c : t.toCharArray()) {
            sb.append("        ").append(c);
        }
        return sb.toString();
    }

    /**
     * This kernel's subsystem of type {@code type}, made by {@code make} on first use (under a lock,
     * so exactly once) and closed by {@link #close()}. A kernel that is closed already makes none.
     *
     * @throws IllegalStateException the kernel is closed and has no such subsystem
     */
    public <T extends AutoCloseable> T subsystem(Class<T> type, Supplier<? extends T> make) {
        synchronized (subsystems) {
            AutoCloseable s = subsystems.get(type);
            if (s == null) {
                if (closed) {
                    throw new IllegalStateException("kernel closed: no " + type.getSimpleName());
                }
                s = Objects.requireNonNull(make.get(), "subsystem");
                subsystems.put(type, s);
            }
            return type.cast(s);
        }
    }

    /** This kernel's subsystem of type {@code type}, or null when none was made. */
    public <T extends AutoCloseable> T subsystemOrNull(Class<T> type) {
        synchronized (subsystems) {
            return type.cast(subsystems.get(type));
        }
    }

    @Override
    public void close() {
        hungTask.close();
        List<AutoCloseable> made;
        synchronized (subsystems) {
            closed = true;
            made = new ArrayList<>(subsystems.values());
        }
        RuntimeException failure = null;
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                made.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing a subsystem failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
