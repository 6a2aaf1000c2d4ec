// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The attribute stores and shows that configure a device, after the sysfs layer parsed the text:
 * {@code comp_algorithm}, {@code recomp_algorithm}, {@code algorithm_params} (zram_drv.c's
 * compression section), {@code mem_limit}, {@code mem_used_max}, {@code compact}, and, from its
 * writeback section, {@code backing_dev}, {@code writeback_limit} and
 * {@code writeback_limit_enable}. Each store does the kernel's checks in the kernel's order and
 * throws {@link ErrnoException} with the kernel's errno.
 *
 * <p>Locking: the stores that change what the next disksize builds (algorithms, parameters, the
 * backing file, mem_limit) hold {@code init_lock} for writing; the shows and the rest hold it for
 * reading; the writeback limit is also under {@code wb_limit_lock} (in {@link ZramState}).
 */
final class ZramConfig {
    private final ZramState z;

    ZramConfig(ZramState z) {
        this.z = z;
    }

    /** See {@link ZramControl#setCompAlgorithm}. */
    void setCompAlgorithm(String alg) {
        compAlgorithmStore(ZramDevice.PRIMARY_COMP, alg);
    }

    /** See {@link ZramControl#setRecompAlgorithm}. */
    void setRecompAlgorithm(int priority, String alg) {
        if (alg == null) {
            throw new ErrnoException(Errno.EINVAL, "recomp_algorithm needs algo=");
        }
        checkRecompPriority(priority);
        compAlgorithmStore(priority, alg);
    }

    /** A recompression priority outside 1..MAX_COMPS-1 is EINVAL. */
    static void checkRecompPriority(int priority) {
        if (priority < ZramDevice.SECONDARY_COMP || priority >= ZramDevice.MAX_COMPS) {
            throw new ErrnoException(Errno.EINVAL, "recompression priority " + priority + " outside 1.." + (ZramDevice.MAX_COMPS - 1));
        }
    }

    private void compAlgorithmStore(int prio, String buf) {
        String s = buf;
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            s = s.substring(0, nul);
        }
        if (s.getBytes(StandardCharsets.UTF_8).length >= ZramDevice.MAX_ALGO_NAME_SZ) {
            throw new ErrnoException(Errno.E2BIG, "algorithm name of " + s.length() + " characters");
        }
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        if (z.host.backends().find(s).isEmpty()) {
            throw new ErrnoException(Errno.EINVAL, "unknown compression algorithm '" + s + "'");
        }
        z.initLock.writeLock();
        try {
            if (z.initDone()) {
                z.kernel.log().info("zram: Can't change algorithm for initialized device");
                throw new ErrnoException(Errno.EBUSY, z.name + " is initialised");
            }
            z.setCompAlg(prio, s);
        } finally {
            z.initLock.writeUnlock();
        }
    }

    /** The algorithm configured at {@code priority} (0 = primary), if any. */
    Optional<String> algorithm(int priority) {
        if (priority < 0 || priority >= ZramDevice.MAX_COMPS) {
            return Optional.empty();
        }
        z.initLock.readLock();
        try {
            return Optional.ofNullable(z.compAlg(priority));
        } finally {
            z.initLock.readUnlock();
        }
    }

    List<String> availableAlgorithms() {
        return z.host.backends().names();
    }

    /** See {@link ZramControl#setAlgorithmParams}. */
    void setAlgorithmParams(int priority, String algo, ZcompParams params) {
        Objects.requireNonNull(params, "params");
        z.initLock.writeLock();
        try {
            int prio = algo != null ? z.priorityOf(algo, ZramDevice.PRIMARY_COMP) : priority;
            if (prio < ZramDevice.PRIMARY_COMP || prio >= ZramDevice.MAX_COMPS) {
                throw new ErrnoException(Errno.EINVAL, algo != null ? "no configured algorithm " + algo : "priority " + priority);
            }
            z.setParams(prio, params);
        } finally {
            z.initLock.writeUnlock();
        }
    }

    ZcompParams algorithmParams(int priority) {
        z.initLock.readLock();
        try {
            return z.params(priority);
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** {@code mem_limit_store} after memparse: rounded up to pages; 0 = no limit; allowed in any state. */
    void setMemLimit(long bytes) {
        z.initLock.writeLock();
        try {
            z.setLimitPages(((bytes + ZramDevice.PAGE_SIZE - 1) & ~(long) (ZramDevice.PAGE_SIZE - 1)) >>> SlotTable.PAGE_SHIFT);
        } finally {
            z.initLock.writeUnlock();
        }
    }

    long memLimit() {
        return z.limitPages() << SlotTable.PAGE_SHIFT;
    }

    /** {@code mem_used_max_store} of "0": the peak becomes the pool's current size (when initialised). */
    void resetMemUsedMax() {
        z.initLock.readLock();
        try {
            ZramMeta m = z.meta();
            if (z.initDone() && m != null) {
                z.stats.maxUsedPages.set(m.pool.totalPages());
            }
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** {@code compact_store}: EINVAL when not initialised; returns the pages freed. */
    long compact() {
        z.initLock.readLock();
        try {
            if (!z.initDone()) {
                throw new ErrnoException(Errno.EINVAL, z.name + " is not initialised");
            }
            return z.meta().pool.compact();
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** See {@link ZramControl#setBackingDev}. */
    void setBackingDev(Path file) {
        z.initLock.writeLock();
        try {
            if (z.initDone()) {
                z.kernel.log().info("zram: Can't setup backing device for initialized device");
                throw new ErrnoException(Errno.EBUSY, z.name + " is initialised");
            }
            BackingDev bd = BackingDev.open(file);
            z.resetBdev();
            z.setBacking(bd);
            z.kernel.log().info("zram: setup backing device " + file);
        } finally {
            z.initLock.writeUnlock();
        }
    }

    Optional<Path> backingDev() {
        BackingDev bd = z.backing();
        return bd == null ? Optional.empty() : Optional.of(bd.path());
    }

    /** {@code writeback_limit_enable_store}. */
    void setWritebackLimitEnable(boolean enable) {
        z.initLock.readLock();
        try {
            z.setWbLimitEnable(enable);
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** {@code writeback_limit_store}. */
    void setWritebackLimit(long pages) {
        z.initLock.readLock();
        try {
            z.setWbLimit(pages);
        } finally {
            z.initLock.readUnlock();
        }
    }
}
