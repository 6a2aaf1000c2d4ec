// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.LogLevel;
import io.jzram.kernel.locking.GuardedBy;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.locking.RwSemaphore;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * {@code struct zram} of drivers/block/zram/zram_drv.h: the state every part of a device shares
 * (lifecycle, configuration, statistics, post-processing, data path), its locks, and the rules
 * that say which lock guards what. The parts hold this object; the code is theirs.
 *
 * <h2>Locking</h2>
 * <ul>
 *   <li>{@code init_lock} ({@link #initLock}, an {@link RwSemaphore}): the fields marked
 *       {@code "init_lock (write)"} (disksize, meta, compressors, limit_pages, backing_dev) are
 *       written with it held for writing and read by the data path without it (volatile, the
 *       kernel's READ_ONCE); the fields marked {@code "init_lock"} (the algorithms, their
 *       parameters, the number of active compressors) are read and written under it. The
 *       accessors below are the only way to the fields and assert the rule
 *       ({@code lockdep_assert_held()}: a WARNING splat with lockdep on, nothing with it off), so a
 *       part that touches the state without the lock shows up in any test or storm run with
 *       lockdep. The exception is {@link #resetBdevPre516()}, the 5.15 reset's deliberate
 *       unlocked {@code reset_bdev()}.</li>
 *   <li>{@code wb_limit_lock} (a spinlock in the kernel, a monitor here): guards the writeback
 *       limit; its fields are touched only inside the {@code synchronized} methods below.</li>
 *   <li>{@code open_mutex} ({@link #openMutex}, the gendisk's) guards the openers and the claim,
 *       which {@link ZramLifecycle} owns and asserts.</li>
 *   <li>The slot lock (a bit of a slot's flags word, {@link SlotTable}) guards one slot. Order:
 *       slot lock, then a compression stream's mutex, then the pool's class locks.</li>
 *   <li>{@code pp_in_progress}: one writeback or recompression at a time, under init_lock read
 *       ({@link #beginPostProcessing}).</li>
 * </ul>
 */
final class ZramState {
    final ZramHost host;
    final Kernel kernel;
    final String name;
    final RwSemaphore initLock;
    final Mutex openMutex;
    final ZramStats stats = new ZramStats();
    final PartStat partStat = new PartStat();

    private final ZramDevice device;
    private final AtomicReferenceArray<Consumer<ZramDevice>> hooks = new AtomicReferenceArray<>(ZramHook.values().length);
    private final AtomicBoolean ppInProgress = new AtomicBoolean();
    private final Object wbLimitLock = new Object();
    private volatile ResetVariant resetVariant;

    @GuardedBy("init_lock (write)")
    private volatile long disksize;
    @GuardedBy("init_lock (write)")
    private volatile ZramMeta meta;
    @GuardedBy("init_lock (write)")
    private volatile Zcomp[] comps = new Zcomp[ZramDevice.MAX_COMPS];
    @GuardedBy("init_lock (write)")
    private volatile long limitPages;
    @GuardedBy("init_lock (write)")
    private volatile BackingDev backing;

    @GuardedBy("init_lock")
    private final String[] compAlgs = new String[ZramDevice.MAX_COMPS];
    @GuardedBy("init_lock")
    private final ZcompParams[] params = new ZcompParams[ZramDevice.MAX_COMPS];
    @GuardedBy("init_lock")
    private int numActiveComps;

    @GuardedBy("wb_limit_lock")
    private boolean wbLimitEnable;
    @GuardedBy("wb_limit_lock")
    private long bdWbLimit;

    /** zram_add()'s share: the locks, the default algorithm and parameters, the host's reset variant. */
    ZramState(ZramHost host, String name, ZramDevice device) {
        this.host = Objects.requireNonNull(host, "host");
        this.kernel = host.kernel();
        this.name = Objects.requireNonNull(name, "name");
        this.device = device;
        this.initLock = new RwSemaphore(kernel, kernel.lockdep().classFor("zram_drv.c:init_lock", "&zram->init_lock", LockClass.Kind.RWSEM));
        this.openMutex = new Mutex(kernel, kernel.lockdep().classFor("genhd.c:open_mutex", "&disk->open_mutex", LockClass.Kind.MUTEX));
        this.compAlgs[ZramDevice.PRIMARY_COMP] = host.defaultCompressor();
        for (int p = 0; p < ZramDevice.MAX_COMPS; p++) {
            params[p] = ZcompParams.defaults();
        }
        this.resetVariant = host.resetVariant();
    }

    /** The device this is the state of (what hooks and openers hand out). */
    ZramDevice device() {
        return device;
    }

    // ---- init_lock (write): written under the lock, read without it ------------------------------

    long disksize() {
        return disksize;
    }

    /** init_done(). */
    boolean initDone() {
        return disksize != 0;
    }

    void setDisksize(long bytes) {
        initLock.assertWriteHeld();
        disksize = bytes;
    }

    /** The current meta: null while uninitialised (after an upstream reset). */
    ZramMeta meta() {
        return meta;
    }

    void setMeta(ZramMeta m) {
        initLock.assertWriteHeld();
        meta = m;
    }

    /** The compressors by priority (null where none); the array is replaced, never changed. */
    Zcomp[] comps() {
        return comps;
    }

    /** Publishes a new set of compressors and how many are active; returns the old set. */
    Zcomp[] setComps(Zcomp[] cs, int active) {
        initLock.assertWriteHeld();
        Zcomp[] old = comps;
        comps = cs;
        numActiveComps = active;
        return old;
    }

    long limitPages() {
        return limitPages;
    }

    void setLimitPages(long pages) {
        initLock.assertWriteHeld();
        limitPages = pages;
    }

    BackingDev backing() {
        return backing;
    }

    void setBacking(BackingDev bd) {
        initLock.assertWriteHeld();
        backing = bd;
    }

    /** reset_bdev(): drops and closes the backing file. init_lock held for writing. */
    void resetBdev() {
        initLock.assertWriteHeld();
        closeBacking();
    }

    /** reset_bdev() as the 5.15 reset ran it: after up_write (the race {@link ResetVariant#PRE_5_16} reproduces). */
    void resetBdevPre516() {
        closeBacking();
    }

    private void closeBacking() {
        BackingDev bd = backing;
        backing = null;
        if (bd != null) {
            bd.close();
        }
    }

    // ---- init_lock: read and written under the lock ----------------------------------------------

    String compAlg(int prio) {
        initLock.assertHeld();
        return compAlgs[prio];
    }

    void setCompAlg(int prio, String alg) {
        initLock.assertWriteHeld();
        compAlgs[prio] = alg;
    }

    ZcompParams params(int prio) {
        initLock.assertHeld();
        return params[prio];
    }

    void setParams(int prio, ZcompParams p) {
        initLock.assertWriteHeld();
        params[prio] = p;
    }

    int numActiveComps() {
        initLock.assertHeld();
        return numActiveComps;
    }

    /** The priority whose configured algorithm is {@code algo}, searching {@code from..MAX_COMPS-1}; -1 if none. */
    int priorityOf(String algo, int from) {
        for (int p = from; p < ZramDevice.MAX_COMPS; p++) {
            if (algo.equals(compAlg(p))) {
                return p;
            }
        }
        return -1;
    }

    /** Every algorithm and parameter back to the defaults (an upstream reset). init_lock held for writing. */
    void resetAlgorithms() {
        for (int p = 0; p < ZramDevice.MAX_COMPS; p++) {
            setCompAlg(p, null);
            setParams(p, ZcompParams.defaults());
        }
        setCompAlg(ZramDevice.PRIMARY_COMP, host.defaultCompressor());
    }

    // ---- wb_limit_lock ------------------------------------------------------------------------------

    void setWbLimitEnable(boolean enable) {
        synchronized (wbLimitLock) {
            wbLimitEnable = enable;
        }
    }

    boolean wbLimitEnable() {
        synchronized (wbLimitLock) {
            return wbLimitEnable;
        }
    }

    void setWbLimit(long pages) {
        synchronized (wbLimitLock) {
            bdWbLimit = pages;
        }
    }

    long wbLimit() {
        synchronized (wbLimitLock) {
            return bdWbLimit;
        }
    }

    /** Writeback's check before each page: the limit is enabled and used up. */
    boolean wbLimitUsedUp() {
        synchronized (wbLimitLock) {
            return wbLimitEnable && bdWbLimit == 0;
        }
    }

    /** Writeback's charge for one page written back (in 4 KiB units), while the limit is enabled. */
    void wbLimitCharge() {
        synchronized (wbLimitLock) {
            if (wbLimitEnable && bdWbLimit > 0) {
                bdWbLimit -= 1L << (SlotTable.PAGE_SHIFT - 12);
            }
        }
    }

    // ---- post-processing --------------------------------------------------------------------------

    /**
     * The start of writeback_store and recompress_store: takes init_lock for reading; EINVAL when
     * not initialised, EAGAIN while another post-processing run is in progress (the lock is given
     * back then). Returns the meta; pair with {@link #endPostProcessing()}.
     */
    ZramMeta beginPostProcessing() {
        initLock.readLock();
        boolean begun = false;
        try {
            if (!initDone()) {
                throw new ErrnoException(Errno.EINVAL, name + " is not initialised");
            }
            if (ppInProgress.getAndSet(true)) {
                throw new ErrnoException(Errno.EAGAIN, "post-processing already in progress on " + name);
            }
            begun = true;
            return meta;
        } finally {
            if (!begun) {
                initLock.readUnlock();
            }
        }
    }

    void endPostProcessing() {
        ppInProgress.set(false);
        initLock.readUnlock();
    }

    // ---- fix toggle, hooks, reports -------------------------------------------------------------------

    ResetVariant resetVariant() {
        return resetVariant;
    }

    void setResetVariant(ResetVariant variant) {
        resetVariant = Objects.requireNonNull(variant);
    }

    void setHook(ZramHook point, Consumer<ZramDevice> hook) {
        hooks.set(point.ordinal(), hook);
    }

    /** Runs the hook installed at {@code point}, if any. */
    void hook(ZramHook point) {
        Consumer<ZramDevice> h = hooks.get(point.ordinal());
        if (h != null) {
            h.accept(device);
        }
    }

    /** The KASAN report of a use of freed meta. */
    void kasan(String kind, String function, ZramMeta m) {
        kernel.log().printk(LogLevel.ERR, "==================================================================\n"
                + "BUG: KASAN: " + kind + " in " + function + "\n"
                + "Read of size 8 by task " + Kernel.task(Thread.currentThread()) + " (" + name + ", meta of "
                + Long.toUnsignedString(m.disksize) + " bytes freed by a reset)\n"
                + "==================================================================");
    }
}
