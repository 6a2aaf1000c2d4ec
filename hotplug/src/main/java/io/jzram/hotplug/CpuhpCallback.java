// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

/**
 * A single-instance state callback: {@code int (*)(unsigned int cpu)}. A startup callback fails by
 * throwing {@link io.jzram.kernel.ErrnoException}; teardown callbacks must not fail.
 */
@FunctionalInterface
public interface CpuhpCallback {
    void invoke(int cpu);
}
