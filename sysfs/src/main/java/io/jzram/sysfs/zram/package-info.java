// SPDX-License-Identifier: GPL-2.0-only
/**
 * The zram driver (drivers/block/zram/zram_drv.c) as a loadable module of an emulated
 * {@link io.jzram.sysfs.Machine}: {@link io.jzram.sysfs.zram.ZramModule} (zram.ko, per machine:
 * defaults, build options, test hooks), {@link io.jzram.sysfs.zram.ZramDriver} (one load: init/exit,
 * zram-control, zram_add/zram_remove, {@code zram_index_mutex}, {@code zram_up}),
 * {@link io.jzram.sysfs.zram.ZramAttributes} (/sys/block/zramN), the fix sets
 * ({@link io.jzram.sysfs.zram.ZramFixes}) and build options ({@link io.jzram.sysfs.zram.ZramKconfig}),
 * and the hook points of deterministic race tests ({@link io.jzram.sysfs.zram.ZramDriverHook}).
 */
package io.jzram.sysfs.zram;
