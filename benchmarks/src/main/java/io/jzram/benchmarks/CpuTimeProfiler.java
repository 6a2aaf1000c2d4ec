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
import org.openjdk.jmh.annotations.Mode;

/**
 * {@code -prof io.jzram.benchmarks.CpuTimeProfiler}: the benchmark JVM's CPU time per iteration, for
 * figures that survive a shared, busy machine. Reports {@code cpu.cores} (CPU-seconds the fork
 * used per wall-clock second: benchmark threads, plus a storm thread, JIT and GC) and, in
 * throughput mode, {@code cpu.normalized}: the score scaled to the fork having had
 * min(threads, CPUs) cores to itself ({@code score × min(threads, CPUs) / cpu.cores}). On a quiet
 * machine the two scores agree; when other processes take CPU time the wall-clock score drops and
 * the normalized one does not (it is blind to waiting, so compare it only between benchmarks that
 * do not block).
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long wall0;
    private long cpu0;

    @Override
    public String getDescription() {
        return "process CPU time per iteration: cpu.cores and a CPU-normalized score";
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
        double cores = (double) cpu / wall;
        ScalarResult used = new ScalarResult("cpu.cores", cores, "cores", AggregationPolicy.AVG);
        if (benchmarkParams.getMode() != Mode.Throughput) {
            return List.of(used);
        }
        int full = Math.min(benchmarkParams.getThreads(), Runtime.getRuntime().availableProcessors());
        double normalized = result.getPrimaryResult().getScore() * full / cores;
        return List.of(used, new ScalarResult("cpu.normalized", normalized, result.getPrimaryResult().getScoreUnit(), AggregationPolicy.AVG));
    }
}
