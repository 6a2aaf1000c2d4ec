// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import java.util.List;

/**
 * A disk's backing_dev_info as mm/backing-dev.c puts it into sysfs: the device MAJ:MIN of class
 * {@code bdi} under /sys/devices/virtual/bdi (the disk's {@code bdi} symlink points there) with
 * read_ahead_kb (the disk's {@code queue/read_ahead_kb}: one value), min_ratio, min_ratio_fine,
 * max_ratio, max_ratio_fine, min_bytes, max_bytes, stable_pages_required and strict_limit.
 *
 * <p>The ratios are kept in millionths (BDI_RATIO_SCALE 10000 per percent) with the kernel's checks
 * (over 100 % or min above max: EINVAL). min_bytes and max_bytes convert through the machine's
 * global dirty threshold, which here is a constant, the one the project's real machines show
 * ({@value #DIRTY_THRESHOLD_BYTES} bytes at max_ratio 100): an approximation, since the kernel's
 * depends on the memory free at the time. Nothing here throttles writeback: jzram has no page cache.
 *
 * <p>Locking: synchronized on this object (bdi_lock).
 */
final class Bdi {

    /** The global dirty threshold max_bytes shows at max_ratio 100 on the project's machines. */
    static final long DIRTY_THRESHOLD_BYTES = 4_747_919_360L;
    private static final long SCALE = 10_000;
    private static final long MAX_FINE = 100 * SCALE;

    private final GenDisk disk;
    private long minRatio;
    private long maxRatio = MAX_FINE;
    private boolean strictLimit;

    Bdi(GenDisk disk) {
        this.disk = disk;
    }

    /** The device name, MAJ:MIN. */
    String name() {
        return disk.major() + ":" + disk.firstMinor();
    }

    private synchronized void setMin(long fine) {
        if (fine > MAX_FINE || fine > maxRatio) {
            throw new ErrnoException(Errno.EINVAL, "min_ratio " + fine + " over max_ratio " + maxRatio);
        }
        minRatio = fine;
    }

    private synchronized void setMax(long fine) {
        if (fine > MAX_FINE || minRatio > fine) {
            throw new ErrnoException(Errno.EINVAL, "max_ratio " + fine + " under min_ratio " + minRatio);
        }
        maxRatio = fine;
    }

    private static long bytesToFine(long bytes) {
        return Math.min(Long.MAX_VALUE / 2, bytes) > DIRTY_THRESHOLD_BYTES ? MAX_FINE + 1
                : bytes * MAX_FINE / DIRTY_THRESHOLD_BYTES;
    }

    private synchronized long min() {
        return minRatio;
    }

    private synchronized long max() {
        return maxRatio;
    }

    private static Bdi bdi(Device dev) {
        return dev.driverData(Bdi.class);
    }

    private static long uint(StoreBuffer buf) {
        return Kstrtox.kstrtouint(buf.text(), 10);
    }

    /** A ratio file: the value in units of {@code unit} millionths (a percent: 10000; _fine: 1); kstrtouint. */
    private static Attribute<Device> ratio(String name, java.util.function.ToLongFunction<Bdi> get,
            java.util.function.ObjLongConsumer<Bdi> set, long unit) {
        return Attribute.rw(name, (dev, buf) -> buf.emit(get.applyAsLong(bdi(dev)) / unit + "\n"), (dev, buf) -> {
            set.accept(bdi(dev), uint(buf) * unit);
            return buf.count();
        });
    }

    /** A bytes file: the ratio as a share of the dirty threshold; kstrtoull. */
    private static Attribute<Device> bytes(String name, java.util.function.ToLongFunction<Bdi> get,
            java.util.function.ObjLongConsumer<Bdi> set) {
        return Attribute.rw(name, (dev, buf) -> buf.emit(get.applyAsLong(bdi(dev)) * DIRTY_THRESHOLD_BYTES / MAX_FINE + "\n"),
                (dev, buf) -> {
                    set.accept(bdi(dev), bytesToFine(Kstrtox.kstrtoull(buf.text(), 10)));
                    return buf.count();
                });
    }

    static final List<AttributeGroup<Device>> GROUPS = List.of(AttributeGroup.of(
            Attribute.rw("read_ahead_kb", (dev, buf) -> buf.emit(bdi(dev).disk.queue().readAheadKb() + "\n"), (dev, buf) -> {
                bdi(dev).disk.queue().setReadAheadKb(Kstrtox.kstrtoul(buf.text(), 10));
                return buf.count();
            }),
            ratio("min_ratio", Bdi::min, Bdi::setMin, SCALE),
            ratio("min_ratio_fine", Bdi::min, Bdi::setMin, 1),
            ratio("max_ratio", Bdi::max, Bdi::setMax, SCALE),
            ratio("max_ratio_fine", Bdi::max, Bdi::setMax, 1),
            bytes("min_bytes", Bdi::min, Bdi::setMin),
            bytes("max_bytes", Bdi::max, Bdi::setMax),
            Attribute.ro("stable_pages_required", (dev, buf) -> buf.emit("0\n")),
            Attribute.rw("strict_limit", (dev, buf) -> {
                synchronized (bdi(dev)) {
                    return buf.emit((bdi(dev).strictLimit ? 1 : 0) + "\n");
                }
            }, (dev, buf) -> {
                long v = uint(buf);
                if (v > 1) {
                    throw new ErrnoException(Errno.EINVAL, "strict_limit takes 0 or 1");
                }
                synchronized (bdi(dev)) {
                    bdi(dev).strictLimit = v == 1;
                }
                return buf.count();
            })));
}
