// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.core.BdStat;
import io.jzram.core.IoStat;
import io.jzram.core.MmStat;
import io.jzram.core.RecompressRequest;
import io.jzram.core.RecompressType;
import io.jzram.core.WritebackRequest;
import io.jzram.core.WritebackType;
import io.jzram.core.ZramControl;
import io.jzram.core.ZramDevice;
import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.kernel.lib.Memparse;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.Attribute;
import io.jzram.sysfs.AttributeGroup;
import io.jzram.sysfs.Device;
import io.jzram.sysfs.GenDisk;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files of /sys/block/zramN (6.18's {@code zram_disk_attrs}, in its order): the parsing and
 * formatting half of drivers/block/zram/zram_drv.c's show/store functions, with the kernel's modes,
 * byte-exact formats and the order of its checks (so the errno of a bad store is the kernel's).
 * The work is jzram-core's {@link ZramDevice} and, for what only the driver does, its {@link ZramControl}.
 *
 * <pre>
 * disksize 0644  initstate 0444  reset 0200  compact 0200  mem_limit 0200  mem_used_max 0200
 * idle 0200  comp_algorithm 0644
 * [CONFIG_ZRAM_WRITEBACK] backing_dev 0644  writeback 0200  writeback_limit 0644  writeback_limit_enable 0644
 * io_stat 0444  mm_stat 0444  [CONFIG_ZRAM_WRITEBACK] bd_stat 0444  debug_stat 0444
 * [CONFIG_ZRAM_MULTI_COMP] recomp_algorithm 0644  recompress 0200
 * algorithm_params 0200
 * </pre>
 *
 * The attribute definitions are shared by every machine and load (they are immutable, like the
 * kernel's static {@code dev_attr_*}); a device's files reach their {@link ZramDisk} through the
 * disk's private data, and enter the module's text first (so a file of a device leaked by an
 * unload oopses). {@link #groups} builds the group for a configuration, owned by the module with
 * the seed's patch 12/12.
 */
public final class ZramAttributes {

    private ZramAttributes() {
    }

    private static ZramDisk zram(Device dev) {
        return dev.driverData(GenDisk.class).privateData(ZramDisk.class);
    }

    private static ZramDisk enter(Device dev, String symbol) {
        ZramDisk z = zram(dev);
        z.driver().enter(symbol);
        return z;
    }

    static String u8(long v) {
        String s = Long.toUnsignedString(v);
        return s.length() >= 8 ? s : "        ".substring(s.length()) + s;
    }

    static String s8(long v) {
        return String.format("%8d", v);
    }

    // ================================================================ the attributes

    static final Attribute<Device> DISKSIZE = Attribute.rw("disksize",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "disksize_show");
                return buf.emit(Long.toUnsignedString(z.device().disksize()) + "\n");
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "disksize_store");
                ZramDriver drv = z.driver();
                boolean locked = drv.lockIfGuarded();
                try {
                    long size = Memparse.memparse(buf.cString()).value();
                    if (size == 0) {
                        throw new ErrnoException(Errno.EINVAL, "disksize 0");
                    }
                    drv.hook(ZramDriverHook.DISKSIZE_PARSED, z);
                    z.control().initialise(size);
                } finally {
                    drv.unlockIfGuarded(locked);
                }
                return buf.count();
            });

    static final Attribute<Device> INITSTATE = Attribute.ro("initstate", (dev, buf) -> {
        ZramDisk z = enter(dev, "initstate_show");
        return buf.emit((z.control().initState() ? 1 : 0) + "\n");
    });

    static final Attribute<Device> RESET = Attribute.wo("reset", (dev, buf) -> {
        ZramDisk z = enter(dev, "reset_store");
        int doReset = Kstrtox.kstrtou16(buf.text(), 10);
        ZramDriver drv = z.driver();
        boolean locked = drv.lockIfGuarded();
        try {
            if (doReset == 0) {
                throw new ErrnoException(Errno.EINVAL, "reset needs a non-zero value");
            }
            ZramControl d = z.control();
            d.tryClaim();
            try {
                drv.hook(ZramDriverHook.RESET_CLAIMED, z);
                d.sync();
                d.resetDevice();
                drv.hook(ZramDriverHook.RESET_DONE, z);
            } finally {
                d.releaseClaim();
            }
        } finally {
            drv.unlockIfGuarded(locked);
        }
        return buf.count();
    });

    static final Attribute<Device> COMPACT = Attribute.wo("compact", (dev, buf) -> {
        ZramDisk z = enter(dev, "compact_store");
        z.device().compact();
        return buf.count();
    });

    static final Attribute<Device> MEM_LIMIT = Attribute.wo("mem_limit", (dev, buf) -> {
        ZramDisk z = enter(dev, "mem_limit_store");
        Memparse.Result r = Memparse.memparse(buf.cString());
        if (r.nothingParsed()) {
            throw new ErrnoException(Errno.EINVAL, "mem_limit: no number");
        }
        z.device().setMemLimit(r.value());
        return buf.count();
    });

    static final Attribute<Device> MEM_USED_MAX = Attribute.wo("mem_used_max", (dev, buf) -> {
        ZramDisk z = enter(dev, "mem_used_max_store");
        long val;
        try {
            val = Kstrtox.kstrtoul(buf.text(), 10);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EINVAL, "mem_used_max takes only 0", e);
        }
        if (val != 0) {
            throw new ErrnoException(Errno.EINVAL, "mem_used_max takes only 0");
        }
        z.device().resetMemUsedMax();
        return buf.count();
    });

    static final Attribute<Device> IDLE = Attribute.wo("idle", (dev, buf) -> {
        ZramDisk z = enter(dev, "idle_store");
        String s = buf.cString();
        if (Cmdline.sysfsStreq(s, "all")) {
            z.device().markIdleAll();
            return buf.count();
        }
        long age;
        if (!z.driver().kconfig().trackEntryActime()) {
            throw new ErrnoException(Errno.EINVAL, "idle takes \"all\" (no CONFIG_ZRAM_TRACK_ENTRY_ACTIME)");
        }
        try {
            age = Kstrtox.kstrtouint(s, 0);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EINVAL, "idle takes \"all\" or an age in seconds", e);
        }
        z.device().markIdle(age);
        return buf.count();
    });

    static final Attribute<Device> COMP_ALGORITHM = Attribute.rw("comp_algorithm",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "comp_algorithm_show");
                return buf.emit(availableShow(z, z.device().compAlgorithm()));
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "comp_algorithm_store");
                compAlgorithmStore(z, 0, buf.cString());
                return buf.count();
            });

    static final Attribute<Device> BACKING_DEV = Attribute.rw("backing_dev",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "backing_dev_show");
                Optional<Path> p = z.device().backingDev();
                return buf.emit((p.isPresent() ? p.get().toString() : "none") + "\n");
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "backing_dev_store");
                String name = buf.cString();
                if (name.length() > 4095) {
                    name = name.substring(0, 4095); // strscpy into PATH_MAX
                }
                if (name.endsWith("\n")) {
                    name = name.substring(0, name.length() - 1);
                }
                ZramDevice d = z.device();
                Path path;
                try {
                    path = name.isEmpty() ? null : Path.of(name);
                } catch (InvalidPathException e) {
                    path = null;
                }
                if (path == null) {
                    if (d.isInitialised()) {
                        throw new ErrnoException(Errno.EBUSY, d.name() + " is initialised");
                    }
                    throw new ErrnoException(Errno.ENOENT, "backing device '" + name + "' does not exist");
                }
                z.control().setBackingDev(path);
                return buf.count();
            });

    static final Attribute<Device> WRITEBACK = Attribute.wo("writeback", (dev, buf) -> {
        ZramDisk z = enter(dev, "writeback_store");
        ZramDevice d = z.device();
        // 6.16+: init_lock, then init_done (EINVAL), pp_in_progress (EAGAIN), backing_dev (ENODEV),
        // then the arguments; jzram-core checks the state again under its lock.
        if (!z.control().initState()) {
            throw new ErrnoException(Errno.EINVAL, d.name() + " is not initialised");
        }
        if (d.backingDev().isEmpty()) {
            throw new ErrnoException(Errno.ENODEV, d.name() + " has no backing device");
        }
        d.writeback(parseWriteback(buf.cString(), d.disksize() >>> 12));
        return buf.count();
    });

    static final Attribute<Device> WRITEBACK_LIMIT = Attribute.rw("writeback_limit",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "writeback_limit_show");
                return buf.emit(Long.toUnsignedString(z.device().writebackLimit()) + "\n");
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "writeback_limit_store");
                z.device().setWritebackLimit(kstrtoullOrEinval(buf.text()));
                return buf.count();
            });

    static final Attribute<Device> WRITEBACK_LIMIT_ENABLE = Attribute.rw("writeback_limit_enable",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "writeback_limit_enable_show");
                return buf.emit((z.device().writebackLimitEnabled() ? 1 : 0) + "\n");
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "writeback_limit_enable_store");
                z.device().setWritebackLimitEnable(kstrtoullOrEinval(buf.text()) != 0);
                return buf.count();
            });

    static final Attribute<Device> IO_STAT = Attribute.ro("io_stat", (dev, buf) -> {
        ZramDisk z = enter(dev, "io_stat_show");
        IoStat s = z.device().ioStat();
        return buf.emit(u8(s.failedReads()) + " " + u8(s.failedWrites()) + " 0 " + u8(s.notifyFree()) + "\n");
    });

    static final Attribute<Device> MM_STAT = Attribute.ro("mm_stat", (dev, buf) -> {
        ZramDisk z = enter(dev, "mm_stat_show");
        MmStat s = z.device().mmStat();
        return buf.emit(u8(s.origDataSize()) + " " + u8(s.comprDataSize()) + " " + u8(s.memUsedTotal()) + " "
                + u8(s.memLimit()) + " " + s8(s.memUsedMax()) + " " + u8(s.samePages()) + " " + u8(s.pagesCompacted())
                + " " + u8(s.hugePages()) + " " + u8(s.hugePagesSince()) + "\n");
    });

    static final Attribute<Device> BD_STAT = Attribute.ro("bd_stat", (dev, buf) -> {
        ZramDisk z = enter(dev, "bd_stat_show");
        BdStat s = z.device().bdStat();
        return buf.emit(u8(s.bdCount()) + " " + u8(s.bdReads()) + " " + u8(s.bdWrites()) + "\n");
    });

    static final Attribute<Device> DEBUG_STAT = Attribute.ro("debug_stat", (dev, buf) -> {
        ZramDisk z = enter(dev, "debug_stat_show");
        return buf.emit("version: " + z.device().debugStat().version() + "\n0 " + u8(z.device().debugStat().missFree()) + "\n");
    });

    static final Attribute<Device> RECOMP_ALGORITHM = Attribute.rw("recomp_algorithm",
            (dev, buf) -> {
                ZramDisk z = enter(dev, "recomp_algorithm_show");
                StringBuilder sb = new StringBuilder();
                for (int prio = ZramDevice.SECONDARY_COMP; prio < z.driver().kconfig().maxComps(); prio++) {
                    Optional<String> alg = z.device().algorithm(prio);
                    if (alg.isPresent()) {
                        sb.append('#').append(prio).append(": ").append(availableShow(z, alg.get()));
                    }
                }
                return buf.emit(sb.toString());
            },
            (dev, buf) -> {
                ZramDisk z = enter(dev, "recomp_algorithm_store");
                String s = buf.cString();
                int prio = ZramDevice.SECONDARY_COMP;
                String alg = null;
                int at = Cmdline.skipSpaces(s, 0);
                while (at < s.length()) {
                    Cmdline.Arg a = Cmdline.nextArg(s, at);
                    at = a.next();
                    if (a.noValue()) {
                        throw new ErrnoException(Errno.EINVAL, "recomp_algorithm: '" + a.param() + "' without a value");
                    }
                    if (a.param().equals("algo")) {
                        alg = a.val();
                    } else if (a.param().equals("priority")) {
                        prio = Kstrtox.kstrtoint(a.val(), 10);
                    }
                }
                if (alg == null) {
                    throw new ErrnoException(Errno.EINVAL, "recomp_algorithm needs algo=");
                }
                if (prio < ZramDevice.SECONDARY_COMP || prio >= z.driver().kconfig().maxComps()) {
                    throw new ErrnoException(Errno.EINVAL, "recompression priority " + prio);
                }
                compAlgorithmStore(z, prio, alg);
                return buf.count();
            });

    static final Attribute<Device> RECOMPRESS = Attribute.wo("recompress", (dev, buf) -> {
        ZramDisk z = enter(dev, "recompress_store");
        z.device().recompress(parseRecompress(buf.cString()));
        return buf.count();
    });

    static final Attribute<Device> ALGORITHM_PARAMS = Attribute.wo("algorithm_params", (dev, buf) -> {
        ZramDisk z = enter(dev, "algorithm_params_store");
        String s = buf.cString();
        int prio = ZramDevice.PRIMARY_COMP;
        Integer level = null;
        Integer winbits = null;
        String algo = null;
        String dict = null;
        int at = Cmdline.skipSpaces(s, 0);
        while (at < s.length()) {
            Cmdline.Arg a = Cmdline.nextArg(s, at);
            at = a.next();
            if (a.noValue()) {
                throw new ErrnoException(Errno.EINVAL, "algorithm_params: '" + a.param() + "' without a value");
            }
            switch (a.param()) {
                case "priority" -> prio = Kstrtox.kstrtoint(a.val(), 10);
                case "level" -> level = Kstrtox.kstrtoint(a.val(), 10);
                case "algo" -> algo = a.val();
                case "dict" -> dict = a.val();
                case "deflate.winbits" -> winbits = Kstrtox.kstrtoint(a.val(), 10);
                default -> { }
            }
        }
        ZramDevice d = z.device();
        int maxComps = z.driver().kconfig().maxComps();
        if (algo != null) {
            // the lookup by name over the priorities this build has
            prio = -1;
            for (int p = ZramDevice.PRIMARY_COMP; p < maxComps; p++) {
                if (algo.equals(d.algorithm(p).orElse(null))) {
                    prio = p;
                    break;
                }
            }
        }
        if (prio < ZramDevice.PRIMARY_COMP || prio >= maxComps) {
            throw new ErrnoException(Errno.EINVAL, algo != null ? "no configured algorithm " + algo : "priority " + prio);
        }
        ZcompParams.Builder pb = ZcompParams.builder();
        if (level != null) {
            pb.level(level);
        }
        if (winbits != null) {
            pb.deflateWinbits(winbits);
        }
        if (dict != null) {
            try {
                pb.dictionary(Path.of(dict));
            } catch (InvalidPathException e) {
                throw new ErrnoException(Errno.EINVAL, "cannot read dictionary " + dict, e);
            }
        }
        z.control().setAlgorithmParams(prio, null, pb.build());
        return buf.count();
    });

    // ================================================================ helpers

    /** zcomp_available_show(): every backend, the selected one in brackets, each followed by a space, then "\n". */
    static String availableShow(ZramDisk z, String selected) {
        StringBuilder sb = new StringBuilder();
        for (String n : z.device().availableAlgorithms()) {
            if (n.equals(selected)) {
                sb.append('[').append(n).append("] ");
            } else {
                sb.append(n).append(' ');
            }
        }
        return sb.append('\n').toString();
    }

    /** __comp_algorithm_store(): strlen &gt;= 128 E2BIG; unknown EINVAL; initialised EBUSY. */
    private static void compAlgorithmStore(ZramDisk z, int prio, String alg) {
        if (alg.length() >= ZramDevice.MAX_ALGO_NAME_SZ) {
            throw new ErrnoException(Errno.E2BIG, "algorithm name of " + alg.length() + " bytes");
        }
        for (int i = 0; i < alg.length(); i++) {
            if (alg.charAt(i) >= 0x80) {
                throw new ErrnoException(Errno.EINVAL, "unknown compression algorithm");
            }
        }
        if (prio == ZramDevice.PRIMARY_COMP) {
            z.control().setCompAlgorithm(alg);
        } else {
            z.control().setRecompAlgorithm(prio, alg);
        }
    }

    private static long kstrtoullOrEinval(String s) {
        try {
            return Kstrtox.kstrtoull(s, 10);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EINVAL, "not a number", e);
        }
    }

    /** The argument walk of 6.16+'s writeback_store; parse errors and ERANGE in argument order. */
    static WritebackRequest parseWriteback(String s, long nrPages) {
        WritebackRequest.Builder b = WritebackRequest.builder();
        int at = Cmdline.skipSpaces(s, 0);
        while (at < s.length()) {
            Cmdline.Arg a = Cmdline.nextArg(s, at);
            at = a.next();
            if (a.noValue()) {
                b.type(parseMode(a.param()));
                break;
            }
            if (a.param().equals("type")) {
                b.type(parseMode(a.val()));
                break;
            }
            if (a.param().equals("page_index")) {
                long lo = Kstrtox.kstrtoul(a.val(), 10);
                if (Long.compareUnsigned(lo, nrPages) >= 0) {
                    throw new ErrnoException(Errno.ERANGE, "page_index " + Long.toUnsignedString(lo));
                }
                b.pageIndex(lo);
                continue;
            }
            if (a.param().equals("page_indexes")) {
                String v = a.val();
                int dash = v.indexOf('-');
                if (dash < 0) {
                    throw new ErrnoException(Errno.EINVAL, "page_indexes needs LO-HI");
                }
                long lo = Kstrtox.kstrtoul(v.substring(0, dash), 10);
                if (Long.compareUnsigned(lo, nrPages) >= 0) {
                    throw new ErrnoException(Errno.ERANGE, "page_indexes " + v);
                }
                long hi = Kstrtox.kstrtoul(v.substring(dash + 1), 10);
                if (Long.compareUnsigned(hi, nrPages) >= 0 || Long.compareUnsigned(lo, hi) > 0) {
                    throw new ErrnoException(Errno.ERANGE, "page_indexes " + v);
                }
                b.pageIndexes(lo, hi);
            }
        }
        return b.build();
    }

    private static WritebackType parseMode(String word) {
        WritebackType t = WritebackType.fromWord(word);
        if (t == null) {
            throw new ErrnoException(Errno.EINVAL, "unknown writeback mode '" + word + "'");
        }
        return t;
    }

    /** recompress_store's argument walk. */
    static RecompressRequest parseRecompress(String s) {
        RecompressType type = null;
        long maxPages = -1L;
        int threshold = 0;
        String algo = null;
        int prio = -1;
        int at = Cmdline.skipSpaces(s, 0);
        while (at < s.length()) {
            Cmdline.Arg a = Cmdline.nextArg(s, at);
            at = a.next();
            if (a.noValue()) {
                throw new ErrnoException(Errno.EINVAL, "recompress: '" + a.param() + "' without a value");
            }
            switch (a.param()) {
                case "type" -> {
                    RecompressType t = RecompressType.fromWord(a.val());
                    if (t != null) {
                        type = t;
                    }
                }
                case "max_pages" -> maxPages = Kstrtox.kstrtoull(a.val(), 10);
                case "threshold" -> threshold = (int) Kstrtox.kstrtouint(a.val(), 10);
                case "algo" -> algo = a.val();
                case "priority" -> {
                    long p = Kstrtox.kstrtouint(a.val(), 10);
                    prio = (int) Math.min(p, 1 << 20);
                }
                default -> { }
            }
        }
        return new RecompressRequest(type, maxPages, threshold, algo, prio);
    }

    // ================================================================ the group

    /**
     * {@code zram_disk_attrs} for a build configuration, as one unnamed group (the
     * {@code ATTRIBUTE_GROUPS(zram_disk)} of 6.18) owned by {@code owner} (the module with the seed's
     * patch 12/12, else null).
     */
    public static List<AttributeGroup<Device>> groups(ZramKconfig kconfig, Module owner) {
        return AttributeGroup.attributeGroups(owner, attributes(kconfig));
    }

    /** The attributes of a configuration, in the kernel's order. */
    public static List<Attribute<Device>> attributes(ZramKconfig kconfig) {
        List<Attribute<Device>> l = new ArrayList<>();
        l.add(DISKSIZE);
        l.add(INITSTATE);
        l.add(RESET);
        l.add(COMPACT);
        l.add(MEM_LIMIT);
        l.add(MEM_USED_MAX);
        l.add(IDLE);
        l.add(COMP_ALGORITHM);
        if (kconfig.writeback()) {
            l.add(BACKING_DEV);
            l.add(WRITEBACK);
            l.add(WRITEBACK_LIMIT);
            l.add(WRITEBACK_LIMIT_ENABLE);
        }
        l.add(IO_STAT);
        l.add(MM_STAT);
        if (kconfig.writeback()) {
            l.add(BD_STAT);
        }
        l.add(DEBUG_STAT);
        if (kconfig.multiComp()) {
            l.add(RECOMP_ALGORITHM);
            l.add(RECOMPRESS);
        }
        l.add(ALGORITHM_PARAMS);
        return l;
    }
}
