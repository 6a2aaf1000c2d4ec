// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import java.util.List;
import java.util.Locale;

/**
 * A disk's {@code trace/} directory (kernel/trace/blktrace.c, CONFIG_BLK_DEV_IO_TRACE): the
 * {@code q->blk_trace} setup that the files show and configure. Without a setup {@code enable}
 * reads 0 and the others {@code disabled}; writing a non-zero {@code enable}, or any value to
 * another file, sets one up (every action, start_lba 0, end_lba the disk's size in sectors, pid 0);
 * {@code enable} 0 tears it down. {@code act_mask} takes a number (kstrtoull base 0, kept as 16
 * bits) or a comma-separated list of category names (any case); it reads back as the names.
 *
 * <p>jzram records no trace: the setup is the state the files show, with the kernel's parsing and
 * errnos (EINVAL for an empty write, a bad number or an unknown category).
 *
 * <p>Locking: synchronized on this object ({@code q->debugfs_mutex}).
 */
final class BlkTrace {

    /** mask_maps[], in the kernel's order (bit i is BLK_TC_*, 1 &lt;&lt; i). */
    private static final List<String> CATEGORIES = List.of("read", "write", "flush", "sync", "queue", "requeue", "issue",
            "complete", "fs", "pc", "notify", "ahead", "meta", "discard", "drv_data", "fua");

    private final GenDisk disk;
    private boolean setUp;
    private int actMask;
    private long pid;
    private long startLba;
    private long endLba;

    BlkTrace(GenDisk disk) {
        this.disk = disk;
    }

    private void setup() {
        setUp = true;
        actMask = 0xFFFF;
        pid = 0;
        startLba = 0;
        endLba = disk.capacitySectors();
    }

    synchronized String show(String attr) {
        if (attr.equals("enable")) {
            return (setUp ? 1 : 0) + "\n";
        }
        if (!setUp) {
            return "disabled\n";
        }
        return switch (attr) {
            case "act_mask" -> maskToString(actMask) + "\n";
            case "pid" -> pid + "\n";
            case "start_lba" -> Long.toUnsignedString(startLba) + "\n";
            default -> Long.toUnsignedString(endLba) + "\n";
        };
    }

    synchronized void store(String attr, StoreBuffer buf) {
        if (buf.count() == 0) {
            throw new ErrnoException(Errno.EINVAL, "empty write");
        }
        long value;
        try {
            value = Kstrtox.kstrtoull(buf.text(), 0);
        } catch (ErrnoException e) {
            if (!attr.equals("act_mask")) {
                throw new ErrnoException(Errno.EINVAL, "trace/" + attr + " takes a number", e);
            }
            value = stringToMask(buf.cString());
        }
        if (attr.equals("enable")) {
            if ((value != 0) == setUp) {
                return;
            }
            if (value != 0) {
                setup();
            } else {
                setUp = false;
            }
            return;
        }
        if (!setUp) {
            setup();
        }
        switch (attr) {
            case "act_mask" -> actMask = (int) (value & 0xFFFF);
            case "pid" -> pid = value & 0xFFFF_FFFFL;
            case "start_lba" -> startLba = value;
            default -> endLba = value;
        }
    }

    /** blk_trace_str2mask(): strstrip, then comma-separated names (empty ones skipped); EINVAL for an unknown one. */
    static int stringToMask(String s) {
        int mask = 0;
        for (String token : s.strip().split(",", -1)) {
            if (token.isEmpty()) {
                continue;
            }
            int i = CATEGORIES.indexOf(token.toLowerCase(Locale.ROOT));
            if (i < 0) {
                throw new ErrnoException(Errno.EINVAL, "unknown trace category '" + token + "'");
            }
            mask |= 1 << i;
        }
        return mask;
    }

    static String maskToString(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < CATEGORIES.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(CATEGORIES.get(i));
            }
        }
        return sb.toString();
    }

    private static Attribute<Device> attr(String name) {
        return Attribute.rw(name, (dev, buf) -> buf.emit(dev.driverData(GenDisk.class).trace().show(name)), (dev, buf) -> {
            dev.driverData(GenDisk.class).trace().store(name, buf);
            return buf.count();
        });
    }

    /** blk_trace_attr_group: {@code trace/} with enable, act_mask, pid, start_lba, end_lba. */
    static final AttributeGroup<Device> GROUP = AttributeGroup.<Device>builder().name("trace")
            .add(attr("enable")).add(attr("act_mask")).add(attr("pid")).add(attr("start_lba")).add(attr("end_lba")).build();
}
