// SPDX-License-Identifier: GPL-2.0-only
/**
 * CPU hotplug (kernel/cpu.c): the state machine with multi-instance states
 * ({@link io.jzram.hotplug.CpuHotplug}), the placement of tasks on virtual CPUs
 * ({@link io.jzram.hotplug.TaskPlacement}), and storm drivers.
 */
package io.jzram.hotplug;
