// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * {@code -prof io.jzram.benchmarks.CpuTimeProfiler}: the benchmark JVM's CPU time per iteration,
 * as a diagnostic. Reports {@code cpu.cores}: CPU-seconds the fork used per wall-clock second
 * (benchmark threads, plus a storm thread, JIT and GC). On a quiet 2-CPU machine a 2-thread
 * benchmark that scales shows ~2.0; a figure well below the thread count says the fork waited
 * (for other processes on a shared machine, or for a lock), well above it says the JVM's own
 * threads worked alongside. It does not correct any score: every figure and target is judged on
 * the wall-clock score. (An earlier {@code cpu.normalized} score, scaled by min(threads, CPUs) /
 * cpu.cores, was dropped: it credited a fork with CPUs it never had and showed a 2.39x two-thread
 * scaling on a 2-CPU machine.)
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long wall0;
    private long cpu0;

    @Override
    public String getDescription() {
        return "process CPU time per iteration: cpu.cores (CPU-seconds per wall-clock second), a diagnostic";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpu0 = OS.getProcessCpuTime();
        wall0 = System.nanoTime();
    }

    @Override
    public Collection<? extends Result<?>> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
        long wall = System.nanoTime() - wall0;
        long cpu = OS.getProcessCpuTime() - cpu0;
        if (wall <= 0 || cpu <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.cores", (double) cpu / wall, "cores", AggregationPolicy.AVG));
    }
}
