// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH settings every benchmark class starts from (JMH reads class annotations from the
 * superclasses too; a benchmark's own annotation wins): throughput in operations per second, 3
 * warm-up and 5 measured iterations of 2 s, one fork with the flags the off-heap store needs
 * ({@link BenchFlags}) and a fixed 1 GiB heap.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {BenchFlags.F1, BenchFlags.F2, BenchFlags.F3, BenchFlags.F4, BenchFlags.F5, BenchFlags.F6,
    BenchFlags.F7, BenchFlags.F8, BenchFlags.F9, "-Xms1g", "-Xmx1g"})
public abstract class JmhDefaults {
}
