// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/** {@link JmhDefaults} with 1 s iterations, for benchmarks whose operation takes nanoseconds (a copy, a pool call, a same-filled page). */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class JmhShortIterations extends JmhDefaults {
}
