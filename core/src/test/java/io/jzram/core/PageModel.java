// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.core.backend.ZcompParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The reference a device is checked against: the bytes it must hold and, per page, whether a slot
 * is allocated (written since its last discard). From those it derives the mm_stat and io_stat
 * counters zram must report, compressing each stored page with the same lz4 settings.
 *
 * <p>Rules (zram's): any write touching a page allocates it; discard and write-zeroes free the
 * whole pages of their range (notify_free + 1 each, allocated or not) and leave partial pages;
 * write-zeroes also zero the partial pages that are allocated (an unallocated one reads as zeros
 * already and stays unallocated). Not thread-safe: one model region per thread.
 */
final class PageModel {
    static final int PAGE = 4096;
    final byte[] bytes;
    final boolean[] allocated;
    long notifyFree;

    PageModel(long size) {
        bytes = new byte[Math.toIntExact(size)];
        allocated = new boolean[(int) (size / PAGE)];
    }

    void write(long off, byte[] src) {
        System.arraycopy(src, 0, bytes, (int) off, src.length);
        for (long p = off / PAGE; p <= (off + src.length - 1) / PAGE && src.length > 0; p++) {
            allocated[(int) p] = true;
        }
    }

    byte[] read(long off, int len) {
        return Arrays.copyOfRange(bytes, (int) off, (int) off + len);
    }

    void discard(long off, long len) {
        freeWhole(off, len);
    }

    void writeZeroes(long off, long len) {
        long end = off + len;
        for (long p = off / PAGE; p * PAGE < end && len > 0; p++) {
            long ps = p * PAGE;
            long s = Math.max(ps, off);
            long e = Math.min(ps + PAGE, end);
            boolean whole = s == ps && e == ps + PAGE;
            if (!whole && allocated[(int) p]) {
                Arrays.fill(bytes, (int) s, (int) e, (byte) 0);
            }
        }
        freeWhole(off, len);
    }

    private void freeWhole(long off, long len) {
        long first = (off + PAGE - 1) / PAGE;
        long end = (off + len) / PAGE;
        for (long p = first; p < end; p++) {
            allocated[(int) p] = false;
            Arrays.fill(bytes, (int) (p * PAGE), (int) (p * PAGE + PAGE), (byte) 0);
            notifyFree++;
        }
    }

    /** The counters a device holding exactly this must show. */
    static final class Expected {
        long pagesStored;
        long samePages;
        long hugePages;
        long comprDataSize;

        MmStatPart mm() {
            return new MmStatPart(pagesStored * PAGE, comprDataSize, samePages, hugePages);
        }
    }

    record MmStatPart(long origDataSize, long comprDataSize, long samePages, long hugePages) {
        static MmStatPart of(MmStat s) {
            return new MmStatPart(s.origDataSize(), s.comprDataSize(), s.samePages(), s.hugePages());
        }
    }

    /** Adds this model's pages to {@code e}, compressing with lz4 (acceleration 1) like the device. */
    void expect(Expected e, ZcompContext lz4) {
        ByteBuffer page = ByteBuffer.allocateDirect(PAGE).order(ByteOrder.nativeOrder());
        ByteBuffer out = ByteBuffer.allocateDirect(2 * PAGE);
        for (int p = 0; p < allocated.length; p++) {
            if (!allocated[p]) {
                continue;
            }
            e.pagesStored++;
            page.put(0, bytes, p * PAGE, PAGE);
            if (sameFilled(page)) {
                e.samePages++;
                continue;
            }
            int len = lz4.compress(page, 0, out, 0, 2 * PAGE);
            if (len >= ZramDevice.hugeClassSize()) {
                e.hugePages++;
                e.comprDataSize += PAGE;
            } else {
                e.comprDataSize += len;
            }
        }
    }

    static boolean sameFilled(ByteBuffer page) {
        long v = page.getLong(0);
        for (int i = 8; i < PAGE; i += 8) {
            if (page.getLong(i) != v) {
                return false;
            }
        }
        return true;
    }

    static ZcompConfig lz4Config() {
        return ZcompBackends.builtin().get("lz4").setup(ZcompParams.defaults());
    }
}
