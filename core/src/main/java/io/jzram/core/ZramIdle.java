// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;

/**
 * Idle marking: {@code idle_store} and {@code mark_idle()} of zram_drv.c, which select the slots
 * that writeback and recompression of {@code type=idle} act on. Access-time tracking
 * (CONFIG_ZRAM_TRACK_ENTRY_ACTIME) is built in: the data path stamps a slot's ac_time on every
 * write and read.
 *
 * <p>Locking: {@code init_lock} for reading across the walk; each slot under its slot lock.
 */
final class ZramIdle {
    private final ZramState z;

    ZramIdle(ZramState z) {
        this.z = z;
    }

    /** {@code idle_store} of "all": marks every slot that holds a compressed object IDLE. EINVAL when not initialised. */
    void markIdleAll() {
        markIdle(0, true);
    }

    /**
     * {@code idle_store} of a number: marks IDLE the slots not accessed for at least
     * {@code ageSeconds} seconds, and un-marks the others.
     */
    void markIdle(long ageSeconds) {
        if (ageSeconds < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative age");
        }
        long ageNanos = ageSeconds > Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE : ageSeconds * 1_000_000_000L;
        markIdle(ageNanos, false);
    }

    /** mark_idle(): idle = accessed before the cutoff (now - age), i.e. not accessed for more than {@code ageNanos}. */
    private void markIdle(long ageNanos, boolean all) {
        z.initLock.readLock();
        try {
            if (!z.initDone()) {
                throw new ErrnoException(Errno.EINVAL, z.name + " is not initialised");
            }
            ZramMeta m = z.meta();
            long now = z.host.now();
            m.table.forEachLocked(0, m.nrPages, (index, chunk, b, f) -> {
                if (!SlotTable.allocated(f) || (f & (SlotTable.WB | SlotTable.SAME)) != 0) {
                    return f;
                }
                boolean idle = all || now - SlotTable.acTime(chunk, b) > ageNanos;
                return idle ? f | SlotTable.IDLE : f & ~SlotTable.IDLE;
            });
        } finally {
            z.initLock.readUnlock();
        }
    }
}
