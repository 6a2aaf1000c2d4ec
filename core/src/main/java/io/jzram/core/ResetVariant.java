// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * Which {@code zram_reset_device()} a device runs: the fix toggle for the reset-vs-disksize race
 * that Ming Lei's series fixed for 5.16 ("zram: fix race between zram_reset_device() and
 * disksize_store()").
 */
public enum ResetVariant {
    /**
     * 5.16 and later (the 6.18 kernel here): the device's {@code init_lock} is held for writing
     * across the whole reset: capacity 0, block statistics cleared, meta (table and pool) freed,
     * compressors destroyed, stats zeroed, backing file dropped, every algorithm and parameter back
     * to the defaults. A disksize store waits for it and then finds a clean device.
     */
    UPSTREAM,
    /**
     * Before 5.16: {@code init_lock} is dropped after the capacity is set to 0, and the meta that
     * {@code zram->table}/{@code zram->mem_pool} point to <em>at that later moment</em> is freed,
     * the stats zeroed and the compressors taken under the lock destroyed without it. A disksize
     * store that slips into the gap allocates new meta that the reset then frees (the device stays
     * initialised over freed memory: the next I/O on it reports
     * {@code BUG: KASAN: use-after-free} and fails with EIO) while the old meta leaks. As in 5.15,
     * the algorithm and its parameters survive the reset.
     */
    PRE_5_16
}
