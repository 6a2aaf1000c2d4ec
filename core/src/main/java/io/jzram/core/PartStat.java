// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The block layer's per-disk statistics ({@code struct disk_stats}, block/blk-core.c
 * {@code bdev_start_io_acct}/{@code bdev_end_io_acct}/{@code update_io_ticks}, shown by
 * block/genhd.c {@code part_stat_show}) for zram's reads and writes: I/Os, sectors, nanoseconds
 * per direction, and {@code io_ticks}, the milliseconds during which at least one request was in
 * flight (HZ=1000, so jiffies are milliseconds). Merges never happen on a bio-based device.
 *
 * <p>Striped counters; {@code io_ticks} is advanced by whoever first sees a new millisecond (one
 * CAS on the stamp per millisecond, as the kernel does per jiffy). Cleared by reset
 * ({@code part_stat_set_all}). Lock-free.
 */
final class PartStat {
    static final int READ = 0;
    static final int WRITE = 1;

    private static final VarHandle STAMP;

    static {
        try {
            STAMP = MethodHandles.lookup().findVarHandle(PartStat.class, "stamp", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LongAdder[] ios = {new LongAdder(), new LongAdder()};
    private final LongAdder[] sectors = {new LongAdder(), new LongAdder()};
    private final LongAdder[] nsecs = {new LongAdder(), new LongAdder()};
    private final LongAdder ioTicks = new LongAdder();
    @SuppressWarnings("unused") // through STAMP
    private volatile long stamp;

    /** bdev_start_io_acct(): the request is already counted in {@code inFlight} (it holds a usage reference). */
    void start(long nowNanos, PercpuRef inFlight) {
        updateIoTicks(nowNanos / 1_000_000L, false, inFlight);
    }

    /** bdev_end_io_acct(). */
    void done(int dir, long bytes, long startNanos, long endNanos, PercpuRef inFlight) {
        updateIoTicks(endNanos / 1_000_000L, true, inFlight);
        ios[dir].increment();
        sectors[dir].add((bytes + 511) >>> 9);
        nsecs[dir].add(endNanos - startNanos);
    }

    private void updateIoTicks(long nowMs, boolean end, PercpuRef inFlight) {
        long s = (long) STAMP.getVolatile(this);
        if (nowMs > s && STAMP.compareAndSet(this, s, nowMs) && (end || inFlight == null || inFlight.sum() > 1)) {
            ioTicks.add(nowMs - s);
        }
    }

    /** part_stat_set_all(part, 0). */
    void reset() {
        for (int d = 0; d < 2; d++) {
            ios[d].reset();
            sectors[d].reset();
            nsecs[d].reset();
        }
        ioTicks.reset();
        STAMP.setVolatile(this, 0L);
    }

    BlockStat snapshot(long inFlight) {
        long rt = nsecs[READ].sum() / 1_000_000L;
        long wt = nsecs[WRITE].sum() / 1_000_000L;
        long q = (nsecs[READ].sum() + nsecs[WRITE].sum()) / 1_000_000L;
        return new BlockStat(ios[READ].sum(), 0, sectors[READ].sum(), rt,
                ios[WRITE].sum(), 0, sectors[WRITE].sum(), wt,
                inFlight, ioTicks.sum(), q,
                0, 0, 0, 0,
                0, 0);
    }
}
