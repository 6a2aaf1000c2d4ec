// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link ZramStorm} runs: the machine (CPUs, fix set, hung-task timeout), the load
 * (devices, readers, sysfs writers, hot_add/hot_remove, unload cycles, the CPU hotplug storm and the
 * multi-instance part) and its length. {@link #builder()} starts from the defaults of
 * {@code jzram storm}; {@link #seed} makes the random choices replayable (timing still varies).
 */
public record StormConfig(int cpus, int devices, Duration duration, ZramFixes fixes, long seed, double hotplugRate,
        int instances, int churnThreads, double instanceFailureRate, Duration hungTaskTimeout, int readersPerDevice,
        int sysfsWriters, Duration unloadInterval, long diskSize, boolean hotAdd, boolean unload, boolean lockdep,
        ZramKconfig kconfig, String stopOnBug) {

    public StormConfig {
        Objects.requireNonNull(fixes, "fixes");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(hungTaskTimeout, "hungTaskTimeout");
        Objects.requireNonNull(unloadInterval, "unloadInterval");
        Objects.requireNonNull(kconfig, "kconfig");
        if (cpus < 2 || cpus > 256) {
            throw new IllegalArgumentException("--cpus must be in 2..256, got " + cpus);
        }
        if (devices < 1 || devices > 16) {
            throw new IllegalArgumentException("--devices must be in 1..16, got " + devices);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        if (!(hotplugRate >= 0 && hotplugRate <= 1e6)) {
            throw new IllegalArgumentException("--rate must be a number of toggles per second in 0..1000000, got " + hotplugRate);
        }
        if (instances < 0 || churnThreads < 1) {
            throw new IllegalArgumentException("--instances must be >= 0 and --churn-threads >= 1");
        }
        if (!(instanceFailureRate >= 0 && instanceFailureRate < 1)) {
            throw new IllegalArgumentException("--failure-rate must be in [0, 1), got " + instanceFailureRate);
        }
        if (hungTaskTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("--hung-task-timeout must be at least 100ms");
        }
        if (readersPerDevice < 0 || sysfsWriters < 0) {
            throw new IllegalArgumentException("--readers and --sysfs-writers must not be negative");
        }
        if (diskSize < 64 * 1024 || diskSize > (256L << 20) || diskSize % 4096 != 0) {
            throw new IllegalArgumentException("disk size must be a multiple of 4 KiB in 64 KiB..256 MiB, got " + diskSize);
        }
    }

    /** The defaults of {@code jzram storm}: about 30 s on 2 cores. */
    public static Builder builder() {
        return new Builder();
    }

    /** A mutable builder with the defaults. */
    public static final class Builder {
        private int cpus = 4;
        private int devices = 3;
        private Duration duration = Duration.ofSeconds(30);
        private ZramFixes fixes = ZramFixes.ALL;
        private long seed = 1;
        private double hotplugRate = 100;
        private int instances = 2;
        private int churnThreads = 1;
        private double instanceFailureRate = 0.01;
        private Duration hungTaskTimeout = Duration.ofSeconds(2);
        private int readersPerDevice = 1;
        private int sysfsWriters = 2;
        private Duration unloadInterval = Duration.ofMillis(1000);
        private long diskSize = 4L << 20;
        private boolean hotAdd = true;
        private boolean unload = true;
        private boolean lockdep = true;
        private ZramKconfig kconfig = ZramKconfig.full();
        private String stopOnBug;

        private Builder() {
        }

        public Builder cpus(int v) {
            cpus = v;
            return this;
        }

        public Builder devices(int v) {
            devices = v;
            return this;
        }

        public Builder duration(Duration v) {
            duration = v;
            return this;
        }

        public Builder fixes(ZramFixes v) {
            fixes = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** CPU up/down toggles per second (0: no hotplug storm). */
        public Builder hotplugRate(double v) {
            hotplugRate = v;
            return this;
        }

        /** Instances of the multi-instance part (issue 2's storm) on the same machine; 0 leaves it out. */
        public Builder instances(int v) {
            instances = v;
            return this;
        }

        public Builder churnThreads(int v) {
            churnThreads = v;
            return this;
        }

        public Builder instanceFailureRate(double v) {
            instanceFailureRate = v;
            return this;
        }

        public Builder hungTaskTimeout(Duration v) {
            hungTaskTimeout = v;
            return this;
        }

        public Builder readersPerDevice(int v) {
            readersPerDevice = v;
            return this;
        }

        public Builder sysfsWriters(int v) {
            sysfsWriters = v;
            return this;
        }

        /** About how often an unload/reload cycle starts. */
        public Builder unloadInterval(Duration v) {
            unloadInterval = v;
            return this;
        }

        public Builder diskSize(long v) {
            diskSize = v;
            return this;
        }

        public Builder hotAdd(boolean v) {
            hotAdd = v;
            return this;
        }

        public Builder unload(boolean v) {
            unload = v;
            return this;
        }

        /** Lockdep on the machine (default on: a lock-order cycle is one of the storm's verdicts). */
        public Builder lockdep(boolean v) {
            lockdep = v;
            return this;
        }

        /** The zram driver's build options (default: full). */
        public Builder kconfig(ZramKconfig v) {
            kconfig = v;
            return this;
        }

        /**
         * End the load as soon as the run has reproduced a bug whose description (as "bugs
         * reproduced" words it) contains {@code text}, at the latest after the duration; null (the
         * default) runs the whole duration. What a test of a broken fix set runs, so that it waits
         * for the bug rather than for a clock.
         */
        public Builder stopOnBug(String text) {
            stopOnBug = text;
            return this;
        }

        public StormConfig build() {
            return new StormConfig(cpus, devices, duration, fixes, seed, hotplugRate, instances, churnThreads,
                    instanceFailureRate, hungTaskTimeout, readersPerDevice, sysfsWriters, unloadInterval, diskSize, hotAdd, unload, lockdep,
                    kconfig, stopOnBug);
        }
    }
}
