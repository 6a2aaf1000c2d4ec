// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/**
 * Points in the zram driver's lifecycle paths where a test can run code (block on a completion,
 * start a racing store, unload the module) to make a race deterministic, as a kernel test would
 * with fault-injection or tracepoint hooks. Installed per machine with
 * {@link ZramModule#setHook}, so they survive unload/reload and can be set before modprobe. A hook
 * runs on the thread at that point with the locks the point documents held; it sees a
 * {@link ZramHookSite}. The per-device points of jzram-core ({@link io.jzram.core.ZramHook}: inside
 * disksize and reset, under {@code init_lock}) are installed with {@link ZramModule#setDeviceHook}.
 */
public enum ZramDriverHook {
    /** disksize_store: the value parsed, the seed's zram_up check passed (index mutex held with SEED/PATCH11, whose stores take it), before the device is initialised. */
    DISKSIZE_PARSED,
    /** reset_store: the device claimed (openers 0), nothing reset yet: the window in which removal finds it claimed. */
    RESET_CLAIMED,
    /** reset_store: the device reset, the claim not yet released. */
    RESET_DONE,
    /** hot_add: index mutex held (and zram_up checked with SEED/ALL/PATCH11), before zram_add. */
    HOT_ADD_LOCKED,
    /** hot_remove: the id parsed, index mutex held (and zram_up checked with SEED/ALL/PATCH11), before the lookup. */
    HOT_REMOVE_LOCKED,
    /** zram_remove (hot_remove or module exit): the device claimed (or, with the upstream fix, found claimed by a reset), nothing reset yet. */
    REMOVE_CLAIMED,
    /** zram_remove: the device reset (unless a reset had claimed it) and "Removed device" logged; del_gendisk comes next. */
    REMOVE_BEFORE_DEL_GENDISK,
    /** zram_remove: del_gendisk done (its files drained), and with the upstream fix the second reset too. */
    REMOVE_DONE,
    /** module exit: entered; with SEED/ALL/PATCH11 the index mutex is held and zram_up is false; zram-control still registered. */
    EXIT_START,
    /** module exit: zram-control unregistered (hot_add/hot_remove drained), no device removed yet. */
    EXIT_CONTROL_GONE,
    /** module exit: every device removed or given up on, before unregister_blkdev and the multi-state removal. */
    EXIT_DEVICES_REMOVED,
    /** module exit: the multi state removed; the last point before the module is gone. */
    EXIT_DONE
}
