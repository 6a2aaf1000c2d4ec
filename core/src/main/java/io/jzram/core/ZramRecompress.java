// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;

/**
 * Recompression: {@code recompress_store}, {@code scan_slots_for_recompress()} and
 * {@code recompress_slot()} of zram_drv.c (CONFIG_ZRAM_MULTI_COMP): selected slots are
 * decompressed and compressed again with the secondary algorithms in priority order, biggest
 * objects first, and the new object replaces the old one when it lands in a smaller size class.
 *
 * <p>Locking: {@code init_lock} for reading and {@code pp_in_progress} across the run
 * ({@link ZramState#beginPostProcessing}); each slot under its slot lock for the whole of its
 * recompression (the slot lock, then a stream's mutex, then the pool's class locks).
 */
final class ZramRecompress {
    private final ZramState z;
    private final ZramDataPath dataPath;

    ZramRecompress(ZramState z, ZramDataPath dataPath) {
        this.z = z;
        this.dataPath = dataPath;
    }

    /** See {@link ZramDevice#recompress}. */
    long recompress(RecompressRequest r) {
        if (Integer.compareUnsigned(r.threshold(), ZramDataPath.HUGE_CLASS_SIZE) >= 0) {
            throw new ErrnoException(Errno.EINVAL, "threshold " + Integer.toUnsignedString(r.threshold()) + " >= huge class size "
                    + ZramDataPath.HUGE_CLASS_SIZE);
        }
        if (r.priority() < -1) {
            throw new ErrnoException(Errno.EINVAL, "priority " + r.priority());
        }
        ZramMeta m = z.beginPostProcessing();
        try {
            int prio = ZramDevice.SECONDARY_COMP;
            int prioMax = z.numActiveComps();
            if (r.priority() >= 0) {
                prio = r.priority() == ZramDevice.PRIMARY_COMP ? ZramDevice.SECONDARY_COMP : r.priority();
                prioMax = prio + 1;
            }
            if (r.algo() != null) {
                prio = z.priorityOf(r.algo(), ZramDevice.SECONDARY_COMP);
                if (prio < 0) {
                    throw new ErrnoException(Errno.EINVAL, "no recompression algorithm " + r.algo());
                }
                prioMax = prio + 1;
            }
            prioMax = Math.min(prioMax, z.numActiveComps());
            if (prio >= prioMax) {
                throw new ErrnoException(Errno.EINVAL, "no recompression algorithm at priority " + prio);
            }
            PpCtl ctl = new PpCtl();
            try {
                scan(m, PpCtl.requiredFlags(r.type()), prioMax, ctl);
                z.hook(ZramHook.POST_PROCESSING);
                return recompressSlots(m, ctl, r, prio, prioMax);
            } finally {
                ctl.releaseAll(m);
            }
        } finally {
            z.endPostProcessing();
        }
    }

    /** scan_slots_for_recompress(): compressed slots with the required flags that a higher priority could still take. */
    private static void scan(ZramMeta m, long required, int prioMax, PpCtl ctl) {
        m.table.forEachLocked(0, m.nrPages, (index, chunk, b, f) -> {
            if (SlotTable.allocated(f)
                    && (f & required) == required
                    && (f & (SlotTable.WB | SlotTable.SAME | SlotTable.INCOMPRESSIBLE | SlotTable.PP_SLOT)) == 0
                    && SlotTable.priority(f) + 1 < prioMax) {
                ctl.place(index, SlotTable.size(f));
                return f | SlotTable.PP_SLOT;
            }
            return f;
        });
    }

    /** The selected slots, biggest first, until max_pages are used up; returns how many changed. */
    private long recompressSlots(ZramMeta m, PpCtl ctl, RecompressRequest r, int prio, int prioMax) {
        ByteBuffer page = ByteBuffer.allocateDirect(ZramDevice.PAGE_SIZE);
        long[] remaining = {r.maxPages()};
        long done = 0;
        long index;
        while ((index = ctl.take()) >= 0) {
            if (remaining[0] == 0) {
                PpCtl.release(m, index);
                break;
            }
            long[] chunk = m.table.chunk(index);
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            long nf = f;
            try {
                if ((f & SlotTable.PP_SLOT) != 0) {
                    nf = recompressSlot(m, chunk, b, f, page, remaining, r.threshold(), prio, prioMax);
                    if (SlotTable.priority(nf) != SlotTable.priority(f) || SlotTable.size(nf) != SlotTable.size(f)) {
                        done++;
                    }
                }
            } finally {
                SlotTable.unlock(chunk, b, nf & ~SlotTable.PP_SLOT);
            }
        }
        return done;
    }

    /** recompress_slot(), slot locked; returns the new flags. */
    private long recompressSlot(ZramMeta m, long[] chunk, int b, long f, ByteBuffer page, long[] remaining,
            int threshold, int prioFrom, int prioMax) {
        long oldHandle = SlotTable.handle(chunk, b);
        if (oldHandle == 0) {
            throw new ErrnoException(Errno.EINVAL, "slot without an object selected for recompression");
        }
        int oldLen = SlotTable.size(f);
        if (oldLen < threshold) {
            return f;
        }
        dataPath.readLocked(m, chunk, b, f, page, 0);
        f &= ~SlotTable.IDLE;
        int classOld = m.pool.lookupClassIndex(oldLen);
        int prio = Math.max(prioFrom, SlotTable.priority(f) + 1);
        if (prio >= prioMax) {
            return f;
        }
        Zcomp[] cs = z.comps();
        Zcomp used = null;
        ZcompStrm strm = null;
        int newLen = 0;
        ErrnoException failure = null;
        for (; prio < prioMax; prio++) {
            Zcomp c = cs[prio];
            if (c == null) {
                continue;
            }
            ZcompStrm s = c.streamGet();
            try {
                newLen = c.compress(s, page, 0);
            } catch (ErrnoException e) {
                c.streamPut(s);
                failure = e;
                break;
            }
            int classNew = m.pool.lookupClassIndex(newLen);
            if (classNew >= classOld || (threshold != 0 && newLen >= threshold)) {
                c.streamPut(s);
                continue;
            }
            used = c;
            strm = s;
            break;
        }
        if (remaining[0] != 0) {
            remaining[0]--;
        }
        if (failure != null) {
            throw failure;
        }
        if (used == null) {
            if (prio < z.numActiveComps()) {
                return f;
            }
            return f | SlotTable.INCOMPRESSIBLE;
        }
        long handle;
        try {
            handle = m.pool.malloc(newLen);
            m.pool.write(handle, strm.buffer, 0, newLen);
        } finally {
            used.streamPut(strm);
        }
        f = dataPath.freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, handle);
        f = SlotTable.withPriority(SlotTable.withSize(f, newLen), prio);
        z.stats.comprDataSize.add(newLen);
        z.stats.pagesStored.increment();
        return f;
    }
}
