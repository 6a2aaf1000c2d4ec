// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The block layer's per-disk I/O accounting (struct disk_stats, block/genhd.c's part_stat_show):
 * I/Os, sectors and time per direction (read, write, discard, flush), I/Os in flight, and the time
 * the disk was busy. Updated by the block layer for I/O that goes through {@link GenDisk#blockDevice()}.
 *
 * <p>Times are measured with System.nanoTime and shown in milliseconds; io_ticks is the sum of the
 * requests' durations (the kernel counts wall time with at least one request in flight, which is
 * the same on a queue depth of one). Lock-free (atomic arrays).
 */
public final class DiskStats {

    /** enum stat_group. */
    public enum Group {
        READ, WRITE, DISCARD, FLUSH
    }

    private final AtomicLongArray ios = new AtomicLongArray(4);
    private final AtomicLongArray sectors = new AtomicLongArray(4);
    private final AtomicLongArray nanos = new AtomicLongArray(4);
    private final AtomicIntegerArray inflight = new AtomicIntegerArray(2);

    /** The start of a request: counts it in flight, returns its start time. */
    public long start(Group g) {
        inflight.incrementAndGet(g == Group.READ ? 0 : 1);
        return System.nanoTime();
    }

    /** The end of a request of {@code bytes} bytes started at {@code startNanos}. */
    public void end(Group g, long startNanos, long bytes) {
        long dt = System.nanoTime() - startNanos;
        int i = g.ordinal();
        ios.incrementAndGet(i);
        sectors.addAndGet(i, bytes >> 9);
        nanos.addAndGet(i, dt);
        inflight.decrementAndGet(g == Group.READ ? 0 : 1);
    }

    public long ios(Group g) {
        return ios.get(g.ordinal());
    }

    public long sectors(Group g) {
        return sectors.get(g.ordinal());
    }

    private long ms(Group g) {
        return nanos.get(g.ordinal()) / 1_000_000L;
    }

    /** /sys/block/NAME/stat: 17 fields, {@code %8lu} each, one space apart. */
    public String statLine() {
        long busy = 0;
        for (Group g : Group.values()) {
            busy += ms(g);
        }
        return String.format(Locale.ROOT,
                "%8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d%n",
                ios(Group.READ), 0, sectors(Group.READ), ms(Group.READ),
                ios(Group.WRITE), 0, sectors(Group.WRITE), ms(Group.WRITE),
                inflight.get(0) + inflight.get(1), busy, busy,
                ios(Group.DISCARD), 0, sectors(Group.DISCARD), ms(Group.DISCARD),
                ios(Group.FLUSH), ms(Group.FLUSH)).replace(System.lineSeparator(), "\n");
    }

    /** /sys/block/NAME/inflight: reads and writes in flight. */
    public String inflightLine() {
        return String.format(Locale.ROOT, "%8d %8d\n", inflight.get(0), inflight.get(1));
    }
}
