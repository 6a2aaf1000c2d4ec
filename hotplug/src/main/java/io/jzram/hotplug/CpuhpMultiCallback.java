// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

/**
 * A multi-instance state callback: {@code int (*)(unsigned int cpu, struct hlist_node *node)}, with
 * the instance itself in place of its list node. A startup callback fails by throwing
 * {@link io.jzram.kernel.ErrnoException}; teardown callbacks must not fail.
 *
 * @param <T> the instance type
 */
@FunctionalInterface
public interface CpuhpMultiCallback<T> {
    void invoke(int cpu, T instance);
}
