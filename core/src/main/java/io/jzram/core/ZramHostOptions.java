// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompBackends;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The options of a {@link ZramHost} that an embedded device's builder offers too, declared once:
 * {@link ZramHost.Builder} and {@link ZramBuilder} both are these options (the builder makes a
 * private host from them). What only a driver's host has (the default compressor, the reset
 * variant) is on {@link ZramHost.Builder} alone.
 *
 * @param <B> the builder, returned by each option for chaining
 */
public abstract sealed class ZramHostOptions<B extends ZramHostOptions<B>> permits ZramHost.Builder, ZramBuilder {
    ZcompBackends backends;
    LongSupplier clock;

    ZramHostOptions() {
    }

    /**
     * The compression backends.
     *
     * @param backends the registry (default: {@link ZcompBackends#builtin()}, the built-in ones that work here)
     * @return this builder
     */
    public final B backends(ZcompBackends backends) {
        this.backends = Objects.requireNonNull(backends);
        return self();
    }

    /**
     * The clock of access times ({@code ktime_get_boottime()}), in nanoseconds, for idle marking by
     * age. Default {@link System#nanoTime()}; tests of idle marking pass one they can advance.
     *
     * @param nanos the clock
     * @return this builder
     */
    public final B clock(LongSupplier nanos) {
        this.clock = Objects.requireNonNull(nanos);
        return self();
    }

    abstract B self();
}
