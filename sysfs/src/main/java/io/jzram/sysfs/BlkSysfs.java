// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import java.util.List;

/**
 * The block layer's sysfs files of a disk, as 6.18 has them for a bio-based disk:
 *
 * <ul>
 *   <li>{@link #DISK_ATTRS} (block/genhd.c {@code disk_attr_group}): range, ext_range, removable,
 *       hidden, ro, size, alignment_offset, discard_alignment, capability, stat, inflight, events,
 *       events_async, events_poll_msecs, diskseq, partscan. A disk without event polling (no
 *       {@code check_events}: zram) shows empty {@code events}, {@code -1} in
 *       {@code events_poll_msecs} and refuses a valid interval there with ENODEV.
 *   <li>{@link #QUEUE_ATTRS} (block/blk-sysfs.c {@code queue_attr_group}, the attributes a
 *       bio-based queue shows): the limits, read-only or with their stores and the kernel's checks
 *       (queue_var_store: a decimal unsigned long up to UINT_MAX, else EINVAL; then each file's own
 *       rule; {@code io_poll} refuses every write, {@code io_poll_delay} ignores every write).
 * </ul>
 *
 * The values and modes are those the real 6.18 zram0 shows in every state; the attribute
 * definitions are shared, immutable, and reach their disk's {@link RequestQueue}.
 */
final class BlkSysfs {

    private BlkSysfs() {
    }

    private static GenDisk disk(Device dev) {
        return dev.driverData(GenDisk.class);
    }

    private static String line(long v) {
        return v + "\n";
    }

    /** queue_var_store(): kstrtoul base 10, and at most UINT_MAX; EINVAL otherwise. */
    static long queueVar(StoreBuffer buf) {
        long v;
        try {
            v = Kstrtox.kstrtoul(buf.text(), 10);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EINVAL, "not a decimal number: '" + buf.cString().strip() + "'", e);
        }
        if (Long.compareUnsigned(v, QueueLimits.UINT_MAX) > 0) {
            throw new ErrnoException(Errno.EINVAL, "over UINT_MAX: " + Long.toUnsignedString(v));
        }
        return v;
    }

    /** sscanf(buf, "%ld"): leading white space, a sign, digits; the rest ignored. Null when nothing converts. */
    static Long scanLong(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        int start = i;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        int digits = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        if (i == digits) {
            return null;
        }
        try {
            return Long.parseLong(s.substring(start, i));
        } catch (NumberFormatException e) {
            return s.charAt(start) == '-' ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    // ================================================================ disk_attr_group

    static final List<Attribute<Device>> DISK_ATTRS = List.of(
            Attribute.ro("range", (dev, buf) -> buf.emit("1\n")),
            Attribute.ro("ext_range", (dev, buf) -> buf.emit("1\n")),
            Attribute.ro("removable", (dev, buf) -> buf.emit("0\n")),
            Attribute.ro("hidden", (dev, buf) -> buf.emit("0\n")),
            Attribute.ro("ro", (dev, buf) -> buf.emit(disk(dev).isReadOnly() ? "1\n" : "0\n")),
            Attribute.ro("size", (dev, buf) -> buf.emit(line(disk(dev).capacitySectors()))),
            Attribute.ro("alignment_offset", (dev, buf) -> buf.emit("0\n")),
            Attribute.ro("discard_alignment", (dev, buf) -> buf.emit("0\n")),
            Attribute.ro("capability", (dev, buf) -> buf.emit("0\n")),
            Attribute.ro("stat", (dev, buf) -> buf.emit(disk(dev).statLine())),
            Attribute.ro("inflight", (dev, buf) -> buf.emit(disk(dev).stats().inflightLine())),
            Attribute.ro("events", (dev, buf) -> 0),
            Attribute.ro("events_async", (dev, buf) -> 0),
            Attribute.rw("events_poll_msecs", (dev, buf) -> buf.emit("-1\n"), (dev, buf) -> {
                Long intv = scanLong(buf.cString());
                if (intv == null) {
                    throw new ErrnoException(Errno.EINVAL, "events_poll_msecs takes a number");
                }
                if (intv < 0 && intv != -1) {
                    throw new ErrnoException(Errno.EINVAL, "events_poll_msecs " + intv);
                }
                throw new ErrnoException(Errno.ENODEV, disk(dev).name() + " has no media events to poll");
            }),
            Attribute.ro("diskseq", (dev, buf) -> buf.emit(line(disk(dev).diskseq()))),
            Attribute.ro("partscan", (dev, buf) -> buf.emit("0\n")));

    // ================================================================ queue_attr_group

    private static Attribute<GenDisk> ro(String name, java.util.function.Function<GenDisk, Object> value) {
        return Attribute.ro(name, (d, buf) -> buf.emit(value.apply(d) + "\n"));
    }

    private static Attribute<GenDisk> flag(String name, RequestQueue.Flag f) {
        return Attribute.rw(name, (d, buf) -> buf.emit(d.queue().flag(f) ? "1\n" : "0\n"), (d, buf) -> {
            d.queue().setFlag(f, queueVar(buf) != 0);
            return buf.count();
        });
    }

    static final AttributeGroup<GenDisk> QUEUE_ATTRS = AttributeGroup.of(
            flag("add_random", RequestQueue.Flag.ADD_RANDOM),
            ro("atomic_write_boundary_bytes", d -> 0),
            ro("atomic_write_max_bytes", d -> 0),
            ro("atomic_write_unit_max_bytes", d -> 0),
            ro("atomic_write_unit_min_bytes", d -> 0),
            ro("chunk_sectors", d -> 0),
            ro("dax", d -> 0),
            ro("discard_granularity", d -> d.queue().discardGranularity()),
            Attribute.rw("discard_max_bytes", (d, buf) -> buf.emit(line(d.queue().maxDiscardSectors() << 9)), (d, buf) -> {
                d.queue().setDiscardMaxBytes(queueVar(buf));
                return buf.count();
            }),
            ro("discard_max_hw_bytes", d -> d.queue().hardware().maxDiscardSectors() << 9),
            ro("discard_zeroes_data", d -> 0),
            ro("dma_alignment", d -> d.queue().hardware().dmaAlignment()),
            ro("fua", d -> 0),
            ro("hw_sector_size", d -> d.queue().hardware().logicalBlockSize()),
            Attribute.rw("io_poll", (d, buf) -> buf.emit("0\n"), (d, buf) -> {
                throw new ErrnoException(Errno.EINVAL, d.name() + " does not poll (no BLK_FEAT_POLL)");
            }),
            Attribute.rw("io_poll_delay", (d, buf) -> buf.emit("-1\n"), (d, buf) -> buf.count()),
            flag("iostats", RequestQueue.Flag.IOSTATS),
            flag("iostats_passthrough", RequestQueue.Flag.IOSTATS_PASSTHROUGH),
            ro("logical_block_size", d -> d.queue().hardware().logicalBlockSize()),
            ro("max_discard_segments", d -> d.queue().hardware().maxDiscardSegments()),
            ro("max_hw_sectors_kb", d -> d.queue().hardware().maxHwSectorsRounded() >> 1),
            ro("max_integrity_segments", d -> 0),
            Attribute.rw("max_sectors_kb", (d, buf) -> buf.emit(line(d.queue().maxSectors() >> 1)), (d, buf) -> {
                d.queue().setMaxSectorsKb(queueVar(buf));
                return buf.count();
            }),
            ro("max_segment_size", d -> d.queue().hardware().maxSegmentSize()),
            ro("max_segments", d -> d.queue().hardware().maxSegments()),
            ro("max_write_streams", d -> 0),
            ro("minimum_io_size", d -> d.queue().hardware().minimumIoSize()),
            Attribute.rw("nomerges", (d, buf) -> buf.emit(line(d.queue().nomerges())), (d, buf) -> {
                d.queue().setNomerges(queueVar(buf));
                return buf.count();
            }),
            ro("nr_zones", d -> 0),
            ro("optimal_io_size", d -> d.queue().hardware().optimalIoSize()),
            ro("physical_block_size", d -> d.queue().hardware().physicalBlockSize()),
            Attribute.rw("read_ahead_kb", (d, buf) -> buf.emit(line(d.queue().readAheadKb())), (d, buf) -> {
                d.queue().setReadAheadKb(queueVar(buf));
                return buf.count();
            }),
            flag("rotational", RequestQueue.Flag.ROTATIONAL),
            flag("stable_writes", RequestQueue.Flag.STABLE_WRITES),
            ro("virt_boundary_mask", d -> 0),
            Attribute.rw("write_cache", (d, buf) -> buf.emit(d.queue().writeBack() ? "write back\n" : "write through\n"),
                    (d, buf) -> {
                        String s = buf.cString();
                        if (s.startsWith("write back")) {
                            d.queue().setWriteCacheDisabled(false);
                        } else if (s.startsWith("write through") || s.startsWith("none")) {
                            d.queue().setWriteCacheDisabled(true);
                        } else {
                            throw new ErrnoException(Errno.EINVAL, "write_cache takes 'write back', 'write through' or 'none'");
                        }
                        return buf.count();
                    }),
            ro("write_same_max_bytes", d -> 0),
            ro("write_stream_granularity", d -> 0),
            ro("write_zeroes_max_bytes", d -> d.queue().hardware().maxWriteZeroesSectors() << 9),
            Attribute.rw("write_zeroes_unmap_max_bytes", (d, buf) -> buf.emit("0\n"), (d, buf) -> {
                if (queueVar(buf) != 0) {
                    throw new ErrnoException(Errno.EINVAL, d.name() + " cannot unmap on write-zeroes");
                }
                return buf.count();
            }),
            ro("write_zeroes_unmap_max_hw_bytes", d -> 0),
            ro("zone_append_max_bytes", d -> 0),
            ro("zone_write_granularity", d -> 0),
            Attribute.ro("zoned", (d, buf) -> buf.emit("none\n")));
}
