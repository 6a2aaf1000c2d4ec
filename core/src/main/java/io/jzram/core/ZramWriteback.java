// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writeback: {@code writeback_store}, {@code scan_slots_for_writeback()} and
 * {@code zram_writeback_slots()} of zram_drv.c (CONFIG_ZRAM_WRITEBACK, the 6.16+ argument syntax):
 * selected slots move to a block of the backing file, biggest objects first, and are read back from
 * there ({@link ZramDataPath} reads a written-back slot through {@link BackingDev}).
 *
 * <p>Locking: {@code init_lock} for reading and {@code pp_in_progress} across the run
 * ({@link ZramState#beginPostProcessing}); each slot under its slot lock, which is dropped while the
 * page is written to the file (the slot keeps PP_SLOT, which any write or free of the slot clears:
 * then the block is given back instead of published); the writeback limit under
 * {@code wb_limit_lock} ({@link ZramState#wbLimitUsedUp}, {@link ZramState#wbLimitCharge}).
 */
final class ZramWriteback {
    private final ZramState z;
    private final ZramDataPath dataPath;

    ZramWriteback(ZramState z, ZramDataPath dataPath) {
        this.z = z;
        this.dataPath = dataPath;
    }

    /** See {@link ZramDevice#writeback(WritebackRequest)}. */
    void writeback(WritebackRequest request) {
        ZramMeta m = z.beginPostProcessing();
        try {
            BackingDev bd = z.backing();
            if (bd == null) {
                throw new ErrnoException(Errno.ENODEV, z.name + " has no backing device");
            }
            PpCtl ctl = new PpCtl();
            try {
                long required = 0;
                long lo = 0;
                long hi = m.nrPages;
                for (WritebackRequest.Arg a : request.args()) {
                    if (a.kind() == WritebackRequest.Kind.TYPE) {
                        required = PpCtl.requiredFlags(a.type());
                        scan(m, required, lo, hi, ctl);
                        break;
                    }
                    if (Long.compareUnsigned(a.lo(), m.nrPages) >= 0) {
                        throw new ErrnoException(Errno.ERANGE, "page index " + Long.toUnsignedString(a.lo()) + " past the last page");
                    }
                    if (a.kind() == WritebackRequest.Kind.PAGE_INDEXES
                            && (Long.compareUnsigned(a.hi(), m.nrPages) >= 0 || Long.compareUnsigned(a.lo(), a.hi()) > 0)) {
                        throw new ErrnoException(Errno.ERANGE, "page indexes " + Long.toUnsignedString(a.lo()) + "-" + Long.toUnsignedString(a.hi()));
                    }
                    lo = a.lo();
                    hi = a.hi() + 1;
                    scan(m, required, lo, hi, ctl);
                }
                z.hook(ZramHook.POST_PROCESSING);
                writebackSlots(m, bd, ctl);
            } finally {
                ctl.releaseAll(m);
            }
        } finally {
            z.endPostProcessing();
        }
    }

    /** scan_slots_for_writeback(): slots in [lo, hi) that hold an object with every flag in {@code required}. */
    private static void scan(ZramMeta m, long required, long lo, long hi, PpCtl ctl) {
        m.table.forEachLocked(lo, hi, (index, chunk, b, f) -> {
            if (SlotTable.allocated(f) && (f & (SlotTable.WB | SlotTable.SAME | SlotTable.PP_SLOT)) == 0
                    && (f & required) == required) {
                ctl.place(index, SlotTable.size(f));
                return f | SlotTable.PP_SLOT;
            }
            return f;
        });
    }

    /** zram_writeback_slots(): the limit used up ends the run with EIO, a full file with ENOSPC; a failed write is EIO at the end. */
    private void writebackSlots(ZramMeta m, BackingDev bd, PpCtl ctl) {
        ByteBuffer page = ByteBuffer.allocateDirect(ZramDevice.PAGE_SIZE);
        long blk = 0;
        Errno ret = null;
        try {
            long index;
            while ((index = ctl.take()) >= 0) {
                if (z.wbLimitUsedUp()) {
                    ret = Errno.EIO;
                    PpCtl.release(m, index);
                    break;
                }
                if (blk == 0) {
                    blk = bd.allocBlock();
                    if (blk == 0) {
                        ret = Errno.ENOSPC;
                        PpCtl.release(m, index);
                        break;
                    }
                    z.stats.bdCount.increment();
                }
                long[] chunk = m.table.chunk(index);
                int b = SlotTable.base(index);
                long f = SlotTable.lock(chunk, b);
                if ((f & SlotTable.PP_SLOT) == 0) {
                    SlotTable.unlock(chunk, b, f);
                    continue;
                }
                try {
                    dataPath.readLocked(m, chunk, b, f, page, 0);
                } catch (ErrnoException e) {
                    SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
                    continue;
                }
                SlotTable.unlock(chunk, b, f);
                try {
                    bd.writePage(blk, page);
                } catch (IOException e) {
                    PpCtl.release(m, index);
                    ret = Errno.EIO;
                    continue;
                }
                z.stats.bdWrites.increment();
                f = SlotTable.lock(chunk, b);
                if ((f & SlotTable.PP_SLOT) != 0) {
                    f = dataPath.freeSlot(m, chunk, b, f);
                    f |= SlotTable.WB;
                    SlotTable.setHandle(chunk, b, blk);
                    blk = 0;
                    z.stats.pagesStored.increment();
                    z.wbLimitCharge();
                }
                SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
            }
        } finally {
            if (blk != 0) {
                bd.freeBlock(blk);
                z.stats.bdCount.decrement();
            }
        }
        if (ret != null) {
            throw new ErrnoException(ret, ret == Errno.EIO ? "writeback limit reached or backing write failed" : "backing device full");
        }
    }
}
