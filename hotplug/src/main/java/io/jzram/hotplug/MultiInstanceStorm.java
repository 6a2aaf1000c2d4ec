// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The hotplug part of {@code jzram storm}: a module registers a multi-instance PREPARE state whose
 * callbacks allocate and free one resource per CPU and instance; a {@link HotplugStorm} toggles
 * CPUs while churn threads add and remove instances (with injected startup failures and armed
 * {@code hotplug/fail} states to force rollbacks) and a checker verifies, under the hotplug lock,
 * that every registered instance holds exactly one resource on each CPU at or above the state and
 * none elsewhere. At the end every instance is removed, the state and the module go away, and the
 * run checks that each startup had its teardown, nothing ran on an unregistered instance, nothing
 * leaked, and the kernel log has no splat.
 *
 * <p>{@link #run} boots a machine of its own; {@link #attach} runs the instance part on a machine
 * that somebody else storms (the zram storm's, so instances and zram's compressors share the
 * hotplug state machine, its rollbacks and its failure injection).
 *
 * <p>Locking: each instance slot has a mutex held by whoever changes its registration or checks
 * it, always taken before the hotplug lock (the order add_instance itself uses).
 */
public final class MultiInstanceStorm {

    /** Storm parameters. */
    public record Config(int cpus, int instances, Duration duration, double rate, long seed, int churnThreads,
            double startupFailureRate) {
        public Config {
            if (cpus < 2) {
                throw new IllegalArgumentException("a storm needs at least 2 CPUs, got " + cpus);
            }
            if (instances < 1) {
                throw new IllegalArgumentException("instances must be at least 1, got " + instances);
            }
            if (churnThreads < 1) {
                throw new IllegalArgumentException("churn threads must be at least 1, got " + churnThreads);
            }
            if (startupFailureRate < 0 || startupFailureRate >= 1) {
                throw new IllegalArgumentException("startup failure rate must be in [0, 1), got " + startupFailureRate);
            }
        }

        public static Config defaults() {
            return new Config(8, 4, Duration.ofSeconds(10), 100, System.nanoTime(), 2, 0.01);
        }
    }

    /** What a storm saw. */
    public record Report(HotplugStorm.Report hotplug, long instanceAdds, long instanceAddFailures, long instanceRemoves,
            long startups, long teardowns, long cpuhpRollbacks, long injectedFailures, long armedFails, long checks,
            long liveResourcesAtEnd, List<String> violations, KernelLog.Scan splats, Duration elapsed) {
        public boolean ok() {
            return violations.isEmpty() && splats.clean() && liveResourcesAtEnd == 0;
        }
    }

    private static final int IDLE = 0;
    private static final int ADDING = 1;
    private static final int ACTIVE = 2;
    private static final int REMOVING = 3;

    /** One instance slot of the storm's multi-instance state. */
    private final class Instance {
        final int id;
        final Mutex lock;
        final AtomicReferenceArray<byte[]> perCpu;
        volatile int phase = IDLE;

        Instance(int id, Kernel kernel, int nrCpus) {
            this.id = id;
            this.lock = new Mutex(kernel, "storm_instance_lock");
            this.perCpu = new AtomicReferenceArray<>(nrCpus);
        }

        @Override
        public String toString() {
            return "instance" + id;
        }
    }

    private final Config config;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder startups = new LongAdder();
    private final LongAdder teardowns = new LongAdder();
    private final LongAdder adds = new LongAdder();
    private final LongAdder addFailures = new LongAdder();
    private final LongAdder removes = new LongAdder();
    private final LongAdder injected = new LongAdder();
    private final LongAdder armed = new LongAdder();
    private final LongAdder checks = new LongAdder();
    private final AtomicLong live = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile double failureRate;

    public MultiInstanceStorm(Config config) {
        this.config = config;
    }

    private void violation(String what) {
        if (violations.size() < 1000) {
            violations.add(what);
        }
    }

    /** What the instance part did, on its own machine or {@link #attach attached} to another one. */
    public record InstanceReport(long instanceAdds, long instanceAddFailures, long instanceRemoves, long startups,
            long teardowns, long injectedFailures, long armedFails, long checks, long liveResourcesAtEnd,
            List<String> violations) {
        public boolean ok() {
            return violations.isEmpty() && liveResourcesAtEnd == 0;
        }
    }

    /**
     * The instance part running on a machine somebody else owns and storms (the zram storm's CPUs):
     * a module registers the multi-instance state, churn threads add and remove instances, a
     * checker verifies the invariant, until {@link #finish()} removes everything, unloads the module
     * and checks what is left. The CPU toggles are the owner's.
     */
    public final class Attached {
        private final Kernel kernel;
        private final CpuHotplug hp;
        private final String moduleName;
        private final Module module;
        private final int state;
        private final Instance[] slots;
        private final List<Thread> workers = new ArrayList<>();
        private InstanceReport finished;

        private Attached(Kernel kernel, CpuHotplug hp, String moduleName) {
            this.kernel = kernel;
            this.hp = hp;
            this.moduleName = moduleName;
            failureRate = config.startupFailureRate();
            slots = new Instance[config.instances()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Instance(i, kernel, hp.nrCpus());
            }
            int[] st = new int[1];
            kernel.modules().register(moduleName, Set.of(), self -> new ModuleLoader.ModuleCode() {
                @Override
                public void init() {
                    CpuhpMultiCallback<Instance> up = MultiInstanceStorm.this::startup;
                    CpuhpMultiCallback<Instance> dead = MultiInstanceStorm.this::teardown;
                    st[0] = hp.setupStateMulti(CpuhpState.BP_PREPARE_DYN, moduleName + "/res:prepare", self, up, dead);
                }

                @Override
                public void exit() {
                    hp.removeMultiState(st[0]);
                }
            });
            module = kernel.modules().load(moduleName, Map.of());
            state = st[0];
            for (int t = 0; t < config.churnThreads(); t++) {
                int first = t;
                SplittableRandom rnd = new SplittableRandom(config.seed() * 31 + t);
                workers.add(new Thread(() -> churn(hp, state, slots, first, rnd), "instance-churn-" + t));
            }
            workers.add(new Thread(() -> {
                while (!stop.get()) {
                    checkAll(hp, state, slots);
                    sleep(100);
                }
            }, "storm-checker"));
            for (Thread w : workers) {
                w.setDaemon(true);
                w.start();
            }
        }

        /** The state number the module registered. */
        public int state() {
            return state;
        }

        /** Instances registered right now. */
        public int activeInstances() {
            int active = 0;
            for (Instance in : slots) {
                if (in.phase == ACTIVE) {
                    active++;
                }
            }
            return active;
        }

        /** Instance adds so far. */
        public long adds() {
            return adds.sum();
        }

        /** Violations so far. */
        public int violationCount() {
            return violations.size();
        }

        /**
         * Stops the churn, checks once more, removes every instance, unloads the module and checks
         * that every startup had its teardown and nothing is left. Idempotent.
         */
        public synchronized InstanceReport finish() {
            if (finished != null) {
                return finished;
            }
            stop.set(true);
            for (Thread w : workers) {
                join(w);
            }
            failureRate = 0;
            checkAll(hp, state, slots);
            for (Instance in : slots) {
                in.lock.lock();
                try {
                    if (in.phase == ACTIVE) {
                        remove(hp, state, in);
                    }
                } finally {
                    in.lock.unlock();
                }
            }
            kernel.modules().unload(moduleName);
            if (module.tryGet()) {
                violation("module still gettable after unload");
            }
            for (Instance in : slots) {
                for (int c = 0; c < hp.nrCpus(); c++) {
                    if (in.perCpu.get(c) != null) {
                        violation(in + " still holds its cpu" + c + " resource after removal");
                    }
                }
            }
            if (startups.sum() != teardowns.sum()) {
                violation("startups " + startups.sum() + " != teardowns " + teardowns.sum());
            }
            finished = new InstanceReport(adds.sum(), addFailures.sum(), removes.sum(), startups.sum(), teardowns.sum(),
                    injected.sum(), armed.sum(), checks.sum(), live.get(), List.copyOf(violations));
            return finished;
        }
    }

    /**
     * Starts the instance part on an existing machine ({@code hp} of {@code kernel}, whose CPUs the
     * caller storms): module {@code moduleName} registers the state, the churn threads and the checker
     * start. {@link Config#cpus()}, {@link Config#duration()} and {@link Config#rate()} are not used.
     * One attach per storm object.
     */
    public Attached attach(Kernel kernel, CpuHotplug hp, String moduleName) {
        return new Attached(kernel, hp, moduleName);
    }

    /** Runs the whole storm; {@code progress} gets a status line about once a second. */
    public Report run(Consumer<String> progress) {
        long t0 = System.nanoTime();
        try (Kernel kernel = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(kernel, config.cpus());
            HotplugStorm storm = new HotplugStorm(hp, HotplugStorm.allHotpluggable(hp), config.rate(), config.seed());
            Attached part = attach(kernel, hp, "storm_res");
            storm.start(config.duration());
            long end = t0 + config.duration().toNanos();
            while (System.nanoTime() < end) {
                sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                progress.accept(progressLine(hp, storm, part, t0));
            }
            HotplugStorm.Report h = storm.stop();
            InstanceReport r = part.finish();
            return new Report(h, r.instanceAdds(), r.instanceAddFailures(), r.instanceRemoves(), r.startups(), r.teardowns(),
                    hp.stats().rollbacks(), r.injectedFailures(), r.armedFails(), r.checks(), r.liveResourcesAtEnd(),
                    r.violations(), kernel.log().scan(0), Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    private void startup(int cpu, Instance in) {
        if (in.phase == IDLE) {
            violation("startup on cpu" + cpu + " for unregistered " + in);
        }
        if (failureRate > 0 && ThreadLocalRandom.current().nextDouble() < failureRate) {
            injected.increment();
            throw new ErrnoException(Errno.ENOMEM, "injected allocation failure");
        }
        byte[] res = new byte[64];
        if (!in.perCpu.compareAndSet(cpu, null, res)) {
            violation("second startup on cpu" + cpu + " for " + in);
            return;
        }
        live.incrementAndGet();
        startups.increment();
    }

    private void teardown(int cpu, Instance in) {
        if (in.phase == IDLE) {
            violation("teardown on cpu" + cpu + " for unregistered " + in);
        }
        byte[] res = in.perCpu.getAndSet(cpu, null);
        if (res == null) {
            violation("teardown on cpu" + cpu + " without startup for " + in);
            return;
        }
        live.decrementAndGet();
        teardowns.increment();
    }

    private void churn(CpuHotplug hp, int state, Instance[] slots, int first, SplittableRandom rnd) {
        int step = config.churnThreads();
        while (!stop.get()) {
            for (int i = first; i < slots.length && !stop.get(); i += step) {
                Instance in = slots[i];
                in.lock.lock();
                try {
                    if (in.phase == ACTIVE) {
                        remove(hp, state, in);
                    } else {
                        in.phase = ADDING;
                        try {
                            hp.addInstance(state, in);
                            in.phase = ACTIVE;
                            adds.increment();
                        } catch (ErrnoException e) {
                            in.phase = IDLE;
                            addFailures.increment();
                        }
                    }
                } finally {
                    in.lock.unlock();
                }
                if (rnd.nextInt(50) == 0) {
                    int cpu = 1 + rnd.nextInt(hp.nrCpus() - 1);
                    try {
                        hp.setCpuFail(cpu, state);
                        armed.increment();
                    } catch (ErrnoException e) {
                        // the CPU came up meanwhile: PREPARE states are armed on offline CPUs only
                    }
                }
                sleep(rnd.nextInt(3));
            }
        }
    }

    private void remove(CpuHotplug hp, int state, Instance in) {
        in.phase = REMOVING;
        hp.removeInstance(state, in);
        in.phase = IDLE;
        removes.increment();
    }

    private void checkAll(CpuHotplug hp, int state, Instance[] slots) {
        for (Instance in : slots) {
            in.lock.lock();
            try {
                hp.cpusReadLock();
                try {
                    boolean registered = in.phase == ACTIVE;
                    for (int c = 0; c < hp.nrCpus(); c++) {
                        boolean expected = registered && hp.cpuState(c) >= state;
                        boolean actual = in.perCpu.get(c) != null;
                        if (expected != actual) {
                            violation(in + " on cpu" + c + " (state " + hp.cpuState(c) + "): expected "
                                    + (expected ? "a resource" : "none") + ", found " + (actual ? "one" : "none"));
                        }
                    }
                } finally {
                    hp.cpusReadUnlock();
                }
            } finally {
                in.lock.unlock();
            }
        }
        checks.increment();
    }

    private String progressLine(CpuHotplug hp, HotplugStorm storm, Attached part, long t0) {
        HotplugStorm.Report r = storm.report();
        return String.format("[%5.1fs] toggles %d (up %d, down %d, failed %d)  online %d/%d  instances %d/%d  adds %d  removes %d"
                + "  callbacks %d  rollbacks %d  violations %d",
                (System.nanoTime() - t0) / 1e9, r.toggles(), r.ups(), r.downs(), r.failed(), hp.onlineCount(), hp.nrCpus(),
                part.activeInstances(), config.instances(), adds.sum(), removes.sum(), hp.stats().callbacks(), hp.stats().rollbacks(),
                violations.size());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
