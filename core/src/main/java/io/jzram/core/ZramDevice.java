// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.backend.ZcompParams;
import io.jzram.core.zsmalloc.SizeClassTable;
import io.jzram.core.zsmalloc.ZsMapping;
import io.jzram.core.zsmalloc.ZsPool;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.LogLevel;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.locking.RwSemaphore;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A zram device: {@code struct zram} and the code of drivers/block/zram/zram_drv.c (6.15+, as on
 * the project's 6.18 kernel), minus the parsing of attribute text, which the sysfs layer does.
 *
 * <h2>Lifecycle</h2>
 * A device is made uninitialised ({@link #create}: disksize 0) and initialised by
 * {@link #initialise} ({@code disksize_store}), which allocates the slot table, the pool and one
 * {@link Zcomp} per configured priority. {@link #resetDevice()} is {@code zram_reset_device()} in
 * the {@link ResetVariant} chosen with {@link #setResetVariant}; {@link #reset()} is
 * {@code reset_store()} after parsing (claim, EBUSY while opened or claimed, sync, reset, unclaim).
 * Removal ({@code zram_remove}) is the driver's, built from {@link #claimForRemoval()} or
 * {@link #tryClaim()}, {@link #sync()}, {@link #resetDevice()}, the driver's own del_gendisk,
 * {@link #resetDevice()} again, and {@link #releaseClaim()}. {@link #open()} counts openers
 * ({@code zram_open}: EBUSY while claimed).
 *
 * <h2>Data path</h2>
 * See DESIGN.md: a request enters the queue usage reference of the current meta (no global lock),
 * and each 4 KiB page is handled alone: a write checks for a same-filled page, compresses in the
 * current CPU's stream, stores a page whose compressed length reaches the huge class size raw,
 * allocates in the pool (then checks mem_limit), and publishes under the slot lock, freeing the old
 * object there. A read locks the slot and decompresses straight into the destination. Other byte
 * ranges are read-modify-write per page under the slot lock, through a per-thread scratch page.
 *
 * <h2>Locking</h2>
 * <ul>
 *   <li>{@code init_lock} ({@link RwSemaphore} {@code &zram->init_lock}): written by disksize,
 *       reset, comp_algorithm, recomp_algorithm, algorithm_params, mem_limit, backing_dev; read
 *       by the stats, compact, idle, writeback, recompress, mem_used_max, writeback_limit*. The
 *       data path does not take it.</li>
 *   <li>{@code open_mutex} ({@link Mutex} {@code &disk->open_mutex}) guards {@code openers} and
 *       {@code claim}.</li>
 *   <li>The slot lock (a bit of the slot's flags word, {@link SlotTable}) guards one slot. Order:
 *       slot lock, then a compression stream's mutex, then the pool's class locks. The write path
 *       compresses and allocates without the slot lock and takes it only to publish.</li>
 *   <li>Post-processing (writeback, recompression) runs one at a time (EAGAIN otherwise) under
 *       init_lock read.</li>
 * </ul>
 *
 * <h2>Embedding</h2>
 * {@link #builder()} makes an initialised device that holds one opener for its life; {@link #close()}
 * resets it, gives back every byte and shuts down a private machine.
 */
public final class ZramDevice implements BlockDevice, AutoCloseable {
    public static final int PAGE_SIZE = SlotTable.PAGE_SIZE;
    /** ZRAM_PRIMARY_COMP. */
    public static final int PRIMARY_COMP = 0;
    /** ZRAM_SECONDARY_COMP. */
    public static final int SECONDARY_COMP = 1;
    /** ZRAM_MAX_COMPS (CONFIG_ZRAM_MULTI_COMP). */
    public static final int MAX_COMPS = 4;
    /** ZRAM_MAX_ALGO_NAME_SZ. */
    public static final int MAX_ALGO_NAME_SZ = 128;
    /** The largest disksize: slot indices are u32 in the kernel (16 TiB of 4 KiB pages). */
    public static final long MAX_DISKSIZE = 1L << 44;

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int HUGE_CLASS_SIZE = SizeClassTable.kernelDefault().hugeClassSize();
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** Pool handles fit below this bit; a stored object is returned as handle | size << SIZE_BIT. */
    private static final int SIZE_BIT = 50;

    private final ZramHost host;
    private final Kernel kernel;
    private final String name;
    private final RwSemaphore initLock;
    private final Mutex openMutex;
    private final ZramStats stats = new ZramStats();
    private final PartStat partStat = new PartStat();
    private final AtomicBoolean ppInProgress = new AtomicBoolean();
    private final Object wbLimitLock = new Object();
    private final ThreadLocal<ByteBuffer> scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocate(PAGE_SIZE));
    private final AtomicReferenceArray<Consumer<ZramDevice>> hooks = new AtomicReferenceArray<>(ZramHook.values().length);

    // guarded by openMutex
    private int openers;
    private volatile boolean claim;

    // written under init_lock (write); read by the data path without it
    private volatile long disksize;
    private volatile ZramMeta meta;
    private volatile Zcomp[] comps = new Zcomp[MAX_COMPS];
    private volatile long limitPages;
    private volatile BackingDev backing;

    // guarded by init_lock
    private final String[] compAlgs = new String[MAX_COMPS];
    private final ZcompParams[] params = new ZcompParams[MAX_COMPS];
    private int numActiveComps;

    // guarded by wbLimitLock
    private boolean wbLimitEnable;
    private long bdWbLimit;

    private volatile ResetVariant resetVariant;

    // embedding: set by the builder
    private Opener lifeOpener;
    private Runnable afterClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ZramDevice(ZramHost host, String name) {
        this.host = Objects.requireNonNull(host, "host");
        this.kernel = host.kernel();
        this.name = Objects.requireNonNull(name, "name");
        this.initLock = new RwSemaphore(kernel, kernel.lockdep().classFor("zram_drv.c:init_lock", "&zram->init_lock", LockClass.Kind.RWSEM));
        this.openMutex = new Mutex(kernel, kernel.lockdep().classFor("genhd.c:open_mutex", "&disk->open_mutex", LockClass.Kind.MUTEX));
        this.compAlgs[PRIMARY_COMP] = host.defaultCompressor();
        for (int p = 0; p < MAX_COMPS; p++) {
            params[p] = ZcompParams.defaults();
        }
        this.resetVariant = host.resetVariant();
    }

    /**
     * zram_add() minus the disk: an uninitialised device (disksize 0) named {@code name} on the
     * host's machine. The host's machine must have the {@code block/zram:prepare} state registered
     * ({@link Zcomp#setupState}) before the device is initialised.
     */
    public static ZramDevice create(ZramHost host, String name) {
        return new ZramDevice(host, name);
    }

    // =============================================================================== identity

    @Override
    public String name() {
        return name;
    }

    public ZramHost host() {
        return host;
    }

    /** {@code disksize_show}: bytes; 0 while uninitialised. */
    public long disksize() {
        return disksize;
    }

    @Override
    public long capacity() {
        return disksize;
    }

    /** init_done(): whether the device has a disksize. */
    public boolean isInitialised() {
        return disksize != 0;
    }

    /** {@code initstate_show}: init_done() read under init_lock. */
    public boolean initState() {
        initLock.readLock();
        try {
            return isInitialised();
        } finally {
            initLock.readUnlock();
        }
    }

    /** The huge class size: compressed lengths from here on are stored raw (3625). */
    public static int hugeClassSize() {
        return HUGE_CLASS_SIZE;
    }

    /** The device's {@code init_lock} (for drivers that must order other locks against it). */
    public RwSemaphore initLock() {
        return initLock;
    }

    public ResetVariant resetVariant() {
        return resetVariant;
    }

    /** Selects the reset behaviour (the fix toggle); takes effect at the next reset. */
    public void setResetVariant(ResetVariant variant) {
        this.resetVariant = Objects.requireNonNull(variant);
    }

    /** Installs (or with null removes) the hook run at {@code point}. */
    public void setHook(ZramHook point, Consumer<ZramDevice> hook) {
        hooks.set(point.ordinal(), hook);
    }

    private void hook(ZramHook point) {
        Consumer<ZramDevice> h = hooks.get(point.ordinal());
        if (h != null) {
            h.accept(this);
        }
    }

    // =============================================================================== lifecycle

    /**
     * {@code disksize_store} after memparse: 0 is EINVAL; an initialised device EBUSY; the size is
     * rounded up to whole pages; the table and pool are allocated (ENOMEM when they cannot be,
     * including sizes above {@link #MAX_DISKSIZE}), then one compressor per configured priority
     * (their errors pass through, everything allocated is freed).
     *
     * @param bytes the size as memparse returned it (unsigned)
     */
    public void initialise(long bytes) {
        if (bytes == 0) {
            throw new ErrnoException(Errno.EINVAL, "disksize 0");
        }
        initLock.writeLock();
        try {
            if (isInitialised()) {
                kernel.log().info("zram: Cannot change disksize for initialized device");
                throw new ErrnoException(Errno.EBUSY, name + " is initialised");
            }
            hook(ZramHook.DISKSIZE_LOCKED);
            long size = (bytes + PAGE_SIZE - 1) & ~(long) (PAGE_SIZE - 1);
            ZramMeta m = metaAlloc(size);
            Zcomp[] created = new Zcomp[MAX_COMPS];
            int active = 0;
            try {
                for (int prio = PRIMARY_COMP; prio < MAX_COMPS; prio++) {
                    if (compAlgs[prio] == null) {
                        continue;
                    }
                    try {
                        ZcompBackend backend = host.backends().get(compAlgs[prio]);
                        created[prio] = Zcomp.create(host.hotplug(), backend, params[prio], host.streamBytesCounter());
                    } catch (ErrnoException e) {
                        kernel.log().err("zram: Cannot initialise " + compAlgs[prio] + " compressing backend");
                        throw e;
                    }
                    active++;
                }
            } catch (RuntimeException e) {
                for (Zcomp c : created) {
                    if (c != null) {
                        c.destroy();
                    }
                }
                metaFree(m);
                throw e;
            }
            hook(ZramHook.DISKSIZE_ALLOCATED);
            comps = created;
            numActiveComps = active;
            meta = m;
            disksize = size;
        } finally {
            initLock.writeUnlock();
        }
    }

    private ZramMeta metaAlloc(long size) {
        if (size == 0 || Long.compareUnsigned(size, MAX_DISKSIZE) > 0) {
            throw new ErrnoException(Errno.ENOMEM, "cannot allocate the table of a " + Long.toUnsignedString(size) + "-byte device");
        }
        SlotTable table;
        try {
            table = new SlotTable(size >>> SlotTable.PAGE_SHIFT);
        } catch (OutOfMemoryError e) {
            throw new ErrnoException(Errno.ENOMEM, "cannot allocate the slot table", e);
        }
        return new ZramMeta(size, table, new ZsPool(name));
    }

    /** zram_meta_free(): waits out the requests on it, then gives the pool back. */
    private void metaFree(ZramMeta m) {
        if (!m.freed.compareAndSet(false, true)) {
            kasan("double-free", "zram_meta_free", m);
            return;
        }
        m.usage.kill();
        m.usage.drain();
        m.pool.close();
    }

    private void kasan(String kind, String function, ZramMeta m) {
        kernel.log().printk(LogLevel.ERR, "==================================================================\n"
                + "BUG: KASAN: " + kind + " in " + function + "\n"
                + "Read of size 8 by task " + Kernel.task(Thread.currentThread()) + " (" + name + ", meta of "
                + Long.toUnsignedString(m.disksize) + " bytes freed by a reset)\n"
                + "==================================================================");
    }

    /**
     * zram_reset_device(): see {@link ResetVariant}. After an {@link ResetVariant#UPSTREAM} reset
     * the device is as created: disksize 0, nothing allocated (pool, table, streams, backing file),
     * stats and block statistics zeroed, mem_limit 0, every algorithm and parameter back to the
     * default.
     */
    public void resetDevice() {
        if (resetVariant == ResetVariant.PRE_5_16) {
            resetDevicePre516();
            return;
        }
        initLock.writeLock();
        try {
            hook(ZramHook.RESET_LOCKED);
            limitPages = 0;
            disksize = 0;
            partStat.reset();
            ZramMeta m = meta;
            meta = null;
            if (m != null) {
                metaFree(m);
            }
            destroyComps();
            for (int p = 0; p < MAX_COMPS; p++) {
                compAlgs[p] = null;
                params[p] = ZcompParams.defaults();
            }
            stats.reset();
            resetBdev();
            compAlgs[PRIMARY_COMP] = host.defaultCompressor();
        } finally {
            initLock.writeUnlock();
        }
    }

    private void resetDevicePre516() {
        Zcomp[] old;
        initLock.writeLock();
        try {
            limitPages = 0;
            if (!isInitialised()) {
                return;
            }
            old = comps;
            disksize = 0;
            partStat.reset();
        } finally {
            initLock.writeUnlock();
        }
        hook(ZramHook.RESET_UNLOCKED);
        // zram_meta_free(zram, disksize): whatever zram->table/mem_pool point to NOW
        ZramMeta m = meta;
        if (m != null) {
            metaFree(m);
        }
        stats.reset();
        for (Zcomp c : old) {
            if (c != null) {
                c.destroy();
            }
        }
        resetBdev();
    }

    private void destroyComps() {
        Zcomp[] cs = comps;
        comps = new Zcomp[MAX_COMPS];
        for (Zcomp c : cs) {
            if (c != null) {
                c.destroy();
            }
        }
        numActiveComps = 0;
    }

    private void resetBdev() {
        BackingDev bd = backing;
        backing = null;
        if (bd != null) {
            bd.close();
        }
    }

    /**
     * {@code reset_store} after kstrtou16 accepted a non-zero value: EBUSY if the device is opened
     * or claimed; otherwise claim it, sync, reset, unclaim.
     */
    public void reset() {
        tryClaim();
        try {
            sync();
            resetDevice();
        } finally {
            releaseClaim();
        }
    }

    /** Under open_mutex: EBUSY if opened or claimed; otherwise sets the claim (reset_store, pre-5.16 zram_remove). */
    public void tryClaim() {
        openMutex.lock();
        try {
            if (openers > 0 || claim) {
                throw new ErrnoException(Errno.EBUSY, name + (claim ? " is claimed" : " is open"));
            }
            claim = true;
        } finally {
            openMutex.unlock();
        }
    }

    /**
     * The 5.16+ {@code zram_remove()} claim: EBUSY if opened; returns whether a reset had claimed
     * the device already (removal then waits for that reset instead of failing); claims it otherwise.
     */
    public boolean claimForRemoval() {
        openMutex.lock();
        try {
            if (openers > 0) {
                throw new ErrnoException(Errno.EBUSY, name + " is open");
            }
            boolean was = claim;
            claim = true;
            return was;
        } finally {
            openMutex.unlock();
        }
    }

    /** Clears the claim under open_mutex. */
    public void releaseClaim() {
        openMutex.lock();
        try {
            claim = false;
        } finally {
            openMutex.unlock();
        }
    }

    public boolean isClaimed() {
        return claim;
    }

    /** disk_openers(). */
    public int openers() {
        openMutex.lock();
        try {
            return openers;
        } finally {
            openMutex.unlock();
        }
    }

    /** sync_blockdev(): requests complete synchronously here, so every completed write is already stored. */
    public void sync() {
        VarHandle.fullFence();
    }

    /** blkdev_get / zram_open: EBUSY while a reset or removal claims the device. */
    @Override
    public Opener open() throws IOException {
        openMutex.lock();
        try {
            if (claim) {
                throw new ErrnoIOException(Errno.EBUSY, name + " is claimed by a reset");
            }
            openers++;
        } finally {
            openMutex.unlock();
        }
        return new DeviceOpener();
    }

    private final class DeviceOpener implements Opener {
        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public BlockDevice device() {
            return ZramDevice.this;
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            openMutex.lock();
            try {
                openers--;
            } finally {
                openMutex.unlock();
            }
        }
    }

    // =============================================================================== attributes

    /**
     * {@code comp_algorithm_store} after the sysfs write: {@code alg} as written (a trailing
     * newline is stripped). Checks in the kernel's order: 128 bytes or more E2BIG, unknown EINVAL,
     * initialised EBUSY.
     */
    public void setCompAlgorithm(String alg) {
        compAlgorithmStore(PRIMARY_COMP, alg);
    }

    /**
     * {@code recomp_algorithm_store} after parsing {@code algo=NAME [priority=N]}: no algorithm
     * EINVAL, priority outside 1..3 EINVAL, then as {@link #setCompAlgorithm}.
     */
    public void setRecompAlgorithm(int priority, String alg) {
        if (alg == null) {
            throw new ErrnoException(Errno.EINVAL, "recomp_algorithm needs algo=");
        }
        if (priority < SECONDARY_COMP || priority >= MAX_COMPS) {
            throw new ErrnoException(Errno.EINVAL, "recompression priority " + priority + " outside 1.." + (MAX_COMPS - 1));
        }
        compAlgorithmStore(priority, alg);
    }

    private void compAlgorithmStore(int prio, String buf) {
        String s = buf;
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            s = s.substring(0, nul);
        }
        if (s.getBytes(StandardCharsets.UTF_8).length >= MAX_ALGO_NAME_SZ) {
            throw new ErrnoException(Errno.E2BIG, "algorithm name of " + s.length() + " characters");
        }
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        if (host.backends().find(s).isEmpty()) {
            throw new ErrnoException(Errno.EINVAL, "unknown compression algorithm '" + s + "'");
        }
        initLock.writeLock();
        try {
            if (isInitialised()) {
                kernel.log().info("zram: Can't change algorithm for initialized device");
                throw new ErrnoException(Errno.EBUSY, name + " is initialised");
            }
            compAlgs[prio] = s;
        } finally {
            initLock.writeUnlock();
        }
    }

    /** The primary algorithm ({@code comp_algorithm}'s bracketed name). */
    public String compAlgorithm() {
        initLock.readLock();
        try {
            return compAlgs[PRIMARY_COMP];
        } finally {
            initLock.readUnlock();
        }
    }

    /** The algorithm configured at {@code priority} (0 = primary), if any. */
    public Optional<String> algorithm(int priority) {
        if (priority < 0 || priority >= MAX_COMPS) {
            return Optional.empty();
        }
        initLock.readLock();
        try {
            return Optional.ofNullable(compAlgs[priority]);
        } finally {
            initLock.readUnlock();
        }
    }

    /** Every backend that works, in listing order. */
    public List<String> availableAlgorithms() {
        return host.backends().names();
    }

    /**
     * {@code algorithm_params_store} after parsing: {@code algo} (if given) selects the priority
     * whose configured algorithm has that name (EINVAL if none); the priority must be 0..3
     * (EINVAL). The parameters replace that priority's and take effect at the next disksize; an
     * unreadable {@code dict=} is EINVAL where the caller builds {@code params}.
     *
     * @param priority the priority, ignored when {@code algo} is given
     * @param algo an algorithm name or null
     */
    public void setAlgorithmParams(int priority, String algo, ZcompParams params) {
        Objects.requireNonNull(params, "params");
        initLock.writeLock();
        try {
            int prio = priority;
            if (algo != null) {
                prio = -1;
                for (int p = PRIMARY_COMP; p < MAX_COMPS; p++) {
                    if (algo.equals(compAlgs[p])) {
                        prio = p;
                        break;
                    }
                }
            }
            if (prio < PRIMARY_COMP || prio >= MAX_COMPS) {
                throw new ErrnoException(Errno.EINVAL, algo != null ? "no configured algorithm " + algo : "priority " + priority);
            }
            this.params[prio] = params;
        } finally {
            initLock.writeUnlock();
        }
    }

    /** The parameters set for {@code priority}. */
    public ZcompParams algorithmParams(int priority) {
        initLock.readLock();
        try {
            return params[priority];
        } finally {
            initLock.readUnlock();
        }
    }

    /** The current meta (table + pool), for tests in this package; null while uninitialised (UPSTREAM). */
    ZramMeta currentMeta() {
        return meta;
    }

    /** The compressor of a priority while initialised (null otherwise). */
    public Zcomp compressor(int priority) {
        return comps[priority];
    }

    /** {@code mem_limit_store} after memparse: rounded up to pages; 0 = no limit; allowed in any state. */
    public void setMemLimit(long bytes) {
        initLock.writeLock();
        try {
            limitPages = ((bytes + PAGE_SIZE - 1) & ~(long) (PAGE_SIZE - 1)) >>> SlotTable.PAGE_SHIFT;
        } finally {
            initLock.writeUnlock();
        }
    }

    /** The mem_limit in bytes. */
    public long memLimit() {
        return limitPages << SlotTable.PAGE_SHIFT;
    }

    /** {@code mem_used_max_store} of "0": the peak becomes the pool's current size (when initialised). */
    public void resetMemUsedMax() {
        initLock.readLock();
        try {
            ZramMeta m = meta;
            if (isInitialised() && m != null) {
                stats.maxUsedPages.set(m.pool.totalPages());
            }
        } finally {
            initLock.readUnlock();
        }
    }

    /**
     * {@code backing_dev_store}: initialised EBUSY; then the file's errors (ENOENT, EISDIR,
     * ENOTBLK for what is not a regular file, EACCES, EINVAL for an empty file). Replaces a previous
     * backing file.
     */
    public void setBackingDev(Path file) {
        initLock.writeLock();
        try {
            if (isInitialised()) {
                kernel.log().info("zram: Can't setup backing device for initialized device");
                throw new ErrnoException(Errno.EBUSY, name + " is initialised");
            }
            BackingDev bd = BackingDev.open(file);
            resetBdev();
            backing = bd;
            kernel.log().info("zram: setup backing device " + file);
        } finally {
            initLock.writeUnlock();
        }
    }

    /** {@code backing_dev_show}: the file, or empty ("none"). */
    public Optional<Path> backingDev() {
        BackingDev bd = backing;
        return bd == null ? Optional.empty() : Optional.of(bd.path());
    }

    /** {@code writeback_limit_enable_store}. */
    public void setWritebackLimitEnable(boolean enable) {
        initLock.readLock();
        try {
            synchronized (wbLimitLock) {
                wbLimitEnable = enable;
            }
        } finally {
            initLock.readUnlock();
        }
    }

    public boolean writebackLimitEnabled() {
        synchronized (wbLimitLock) {
            return wbLimitEnable;
        }
    }

    /** {@code writeback_limit_store}: pages (4 KiB units) writeback may still write while the limit is enabled. */
    public void setWritebackLimit(long pages) {
        initLock.readLock();
        try {
            synchronized (wbLimitLock) {
                bdWbLimit = pages;
            }
        } finally {
            initLock.readUnlock();
        }
    }

    public long writebackLimit() {
        synchronized (wbLimitLock) {
            return bdWbLimit;
        }
    }

    // =============================================================================== statistics

    /** {@code mm_stat}. */
    public MmStat mmStat() {
        initLock.readLock();
        try {
            long used = 0;
            long compacted = 0;
            ZramMeta m = meta;
            if (isInitialised() && m != null && !m.freed.get()) {
                used = m.pool.totalPages();
                compacted = m.pool.pagesCompacted();
            }
            return new MmStat(stats.pagesStored.sum() << SlotTable.PAGE_SHIFT, stats.comprDataSize.sum(),
                    used << SlotTable.PAGE_SHIFT, limitPages << SlotTable.PAGE_SHIFT,
                    stats.maxUsedPages.get() << SlotTable.PAGE_SHIFT, stats.samePages.sum(), compacted,
                    stats.hugePages.sum(), stats.hugePagesSince.sum());
        } finally {
            initLock.readUnlock();
        }
    }

    /** {@code io_stat}. */
    public IoStat ioStat() {
        initLock.readLock();
        try {
            return new IoStat(stats.failedReads.sum(), stats.failedWrites.sum(), stats.notifyFree.sum());
        } finally {
            initLock.readUnlock();
        }
    }

    /** {@code debug_stat}. */
    public DebugStat debugStat() {
        initLock.readLock();
        try {
            return new DebugStat(1, stats.missFree.sum());
        } finally {
            initLock.readUnlock();
        }
    }

    /** {@code bd_stat}. */
    public BdStat bdStat() {
        initLock.readLock();
        try {
            return new BdStat(stats.bdCount.sum(), stats.bdReads.sum(), stats.bdWrites.sum());
        } finally {
            initLock.readUnlock();
        }
    }

    /** The block layer's {@code stat} for this disk. */
    public BlockStat blockStat() {
        ZramMeta m = meta;
        long inFlight = m == null ? 0 : Math.max(0, m.usage.sum());
        return partStat.snapshot(inFlight);
    }

    /** What the device holds now (for leak checks). */
    public ZramMemory memory() {
        initLock.readLock();
        try {
            ZramMeta m = meta;
            long streams = 0;
            for (Zcomp c : comps) {
                if (c != null) {
                    streams += c.streamBytes();
                }
            }
            BackingDev bd = backing;
            boolean live = m != null && !m.freed.get();
            return new ZramMemory(live ? m.pool.reservedBytes() : 0, live ? m.pool.totalPages() : 0,
                    live ? m.table.heapBytes() : 0, streams, bd == null ? 0 : bd.bitmapBytes());
        } finally {
            initLock.readUnlock();
        }
    }

    // =============================================================================== maintenance

    /** {@code compact_store}: EINVAL when not initialised; returns the pages freed. */
    public long compact() {
        initLock.readLock();
        try {
            if (!isInitialised()) {
                throw new ErrnoException(Errno.EINVAL, name + " is not initialised");
            }
            return meta.pool.compact();
        } finally {
            initLock.readUnlock();
        }
    }

    /** {@code idle_store} of "all": marks every slot that holds a compressed object IDLE. EINVAL when not initialised. */
    public void markIdleAll() {
        markIdle(0, true);
    }

    /**
     * {@code idle_store} of a number: marks IDLE the slots not accessed for at least
     * {@code ageSeconds} seconds, and un-marks the others (access-time tracking is built in).
     */
    public void markIdle(long ageSeconds) {
        if (ageSeconds < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative age");
        }
        long ageNanos = ageSeconds > Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE : ageSeconds * 1_000_000_000L;
        markIdle(ageNanos, false);
    }

    /** mark_idle(): idle = accessed before the cutoff (now - age), i.e. not accessed for more than {@code ageNanos}. */
    private void markIdle(long ageNanos, boolean all) {
        initLock.readLock();
        try {
            if (!isInitialised()) {
                throw new ErrnoException(Errno.EINVAL, name + " is not initialised");
            }
            ZramMeta m = meta;
            SlotTable t = m.table;
            long now = host.now();
            for (long index = 0; index < m.nrPages; index++) {
                long[] chunk = t.chunkOrNull(index);
                if (chunk == null) {
                    index |= SlotTable.CHUNK_SLOTS - 1;
                    continue;
                }
                int b = SlotTable.base(index);
                long f = SlotTable.lock(chunk, b);
                if (SlotTable.allocated(f) && (f & (SlotTable.WB | SlotTable.SAME)) == 0) {
                    boolean idle = all || now - SlotTable.acTime(chunk, b) > ageNanos;
                    f = idle ? f | SlotTable.IDLE : f & ~SlotTable.IDLE;
                }
                SlotTable.unlock(chunk, b, f);
            }
        } finally {
            initLock.readUnlock();
        }
    }

    /**
     * {@code writeback_store} (6.16+) after parsing: not initialised EINVAL; another writeback or
     * recompression running EAGAIN; no backing file ENODEV; an index out of range ERANGE (then
     * nothing is written). The selected slots are written back biggest first; the limit used up
     * ends the run with EIO, a full backing file with ENOSPC (pages written until then stay
     * written back); a failed file write is reported as EIO after the others were tried.
     */
    public void writeback(WritebackRequest request) {
        initLock.readLock();
        try {
            if (!isInitialised()) {
                throw new ErrnoException(Errno.EINVAL, name + " is not initialised");
            }
            if (ppInProgress.getAndSet(true)) {
                throw new ErrnoException(Errno.EAGAIN, "post-processing already in progress on " + name);
            }
            try {
                BackingDev bd = backing;
                if (bd == null) {
                    throw new ErrnoException(Errno.ENODEV, name + " has no backing device");
                }
                ZramMeta m = meta;
                PpCtl ctl = new PpCtl();
                try {
                    long required = 0;
                    long lo = 0;
                    long hi = m.nrPages;
                    for (WritebackRequest.Arg a : request.args()) {
                        if (a.kind() == WritebackRequest.Kind.TYPE) {
                            required = SlotSelection.requiredFlags(a.type());
                            scanForWriteback(m, required, lo, hi, ctl);
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
                        scanForWriteback(m, required, lo, hi, ctl);
                    }
                    hook(ZramHook.POST_PROCESSING);
                    writebackSlots(m, bd, ctl);
                } finally {
                    releaseAll(m, ctl);
                }
            } finally {
                ppInProgress.set(false);
            }
        } finally {
            initLock.readUnlock();
        }
    }

    /** {@code writeback_store} of {@code type=MODE} (or the bare word). */
    public void writeback(WritebackType type) {
        writeback(WritebackRequest.of(type));
    }

    private void scanForWriteback(ZramMeta m, long required, long lo, long hi, PpCtl ctl) {
        for (long index = lo; index < hi; index++) {
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                index |= SlotTable.CHUNK_SLOTS - 1;
                continue;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            if (SlotTable.allocated(f) && (f & (SlotTable.WB | SlotTable.SAME | SlotTable.PP_SLOT)) == 0
                    && (f & required) == required) {
                f |= SlotTable.PP_SLOT;
                ctl.place(index, SlotTable.size(f));
            }
            SlotTable.unlock(chunk, b, f);
        }
    }

    private void writebackSlots(ZramMeta m, BackingDev bd, PpCtl ctl) {
        ByteBuffer page = ByteBuffer.allocateDirect(PAGE_SIZE);
        long blk = 0;
        Errno ret = null;
        try {
            long index;
            while ((index = ctl.take()) >= 0) {
                synchronized (wbLimitLock) {
                    if (wbLimitEnable && bdWbLimit == 0) {
                        ret = Errno.EIO;
                    }
                }
                if (ret == Errno.EIO) {
                    release(m, index);
                    break;
                }
                if (blk == 0) {
                    blk = bd.allocBlock();
                    if (blk == 0) {
                        ret = Errno.ENOSPC;
                        release(m, index);
                        break;
                    }
                    stats.bdCount.increment();
                }
                long[] chunk = m.table.chunk(index);
                int b = SlotTable.base(index);
                long f = SlotTable.lock(chunk, b);
                if ((f & SlotTable.PP_SLOT) == 0) {
                    SlotTable.unlock(chunk, b, f);
                    continue;
                }
                try {
                    readLocked(m, chunk, b, f, page, 0);
                } catch (ErrnoException e) {
                    SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
                    continue;
                }
                SlotTable.unlock(chunk, b, f);
                try {
                    bd.writePage(blk, page);
                } catch (IOException e) {
                    release(m, index);
                    ret = Errno.EIO;
                    continue;
                }
                stats.bdWrites.increment();
                f = SlotTable.lock(chunk, b);
                if ((f & SlotTable.PP_SLOT) != 0) {
                    f = freeSlot(m, chunk, b, f);
                    f |= SlotTable.WB;
                    SlotTable.setHandle(chunk, b, blk);
                    blk = 0;
                    stats.pagesStored.increment();
                    synchronized (wbLimitLock) {
                        if (wbLimitEnable && bdWbLimit > 0) {
                            bdWbLimit -= 1L << (SlotTable.PAGE_SHIFT - 12);
                        }
                    }
                }
                SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
            }
        } finally {
            if (blk != 0) {
                bd.freeBlock(blk);
                stats.bdCount.decrement();
            }
        }
        if (ret != null) {
            throw new ErrnoException(ret, ret == Errno.EIO ? "writeback limit reached or backing write failed" : "backing device full");
        }
    }

    /** release_pp_slot(): clears PP_SLOT under the slot lock. */
    private static void release(ZramMeta m, long index) {
        long[] chunk = m.table.chunkOrNull(index);
        if (chunk == null) {
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        SlotTable.unlock(chunk, b, f & ~SlotTable.PP_SLOT);
    }

    private static void releaseAll(ZramMeta m, PpCtl ctl) {
        long index;
        while ((index = ctl.take()) >= 0) {
            release(m, index);
        }
    }

    /**
     * {@code recompress_store} after parsing: a threshold at or above the huge class size EINVAL;
     * not initialised EINVAL; another post-processing run EAGAIN; {@code algo} not configured at
     * any secondary priority EINVAL; no usable priority EINVAL. Selected slots are recompressed
     * biggest first with each secondary algorithm in turn until one lands in a smaller size class
     * (and under the threshold); a slot none could shrink with the last algorithm is marked
     * incompressible. Returns the number of slots recompressed.
     */
    public long recompress(RecompressRequest r) {
        if (Integer.compareUnsigned(r.threshold(), HUGE_CLASS_SIZE) >= 0) {
            throw new ErrnoException(Errno.EINVAL, "threshold " + Integer.toUnsignedString(r.threshold()) + " >= huge class size " + HUGE_CLASS_SIZE);
        }
        if (r.priority() < -1) {
            throw new ErrnoException(Errno.EINVAL, "priority " + r.priority());
        }
        initLock.readLock();
        try {
            if (!isInitialised()) {
                throw new ErrnoException(Errno.EINVAL, name + " is not initialised");
            }
            if (ppInProgress.getAndSet(true)) {
                throw new ErrnoException(Errno.EAGAIN, "post-processing already in progress on " + name);
            }
            try {
                int prio = SECONDARY_COMP;
                int prioMax = numActiveComps;
                if (r.priority() >= 0) {
                    prio = r.priority() == PRIMARY_COMP ? SECONDARY_COMP : r.priority();
                    prioMax = prio + 1;
                }
                if (r.algo() != null) {
                    boolean found = false;
                    for (prio = SECONDARY_COMP; prio < MAX_COMPS; prio++) {
                        if (r.algo().equals(compAlgs[prio])) {
                            prioMax = prio + 1;
                            found = true;
                            break;
                        }
                    }
                    if (!found) {
                        throw new ErrnoException(Errno.EINVAL, "no recompression algorithm " + r.algo());
                    }
                }
                prioMax = Math.min(prioMax, numActiveComps);
                if (prio >= prioMax) {
                    throw new ErrnoException(Errno.EINVAL, "no recompression algorithm at priority " + prio);
                }
                ZramMeta m = meta;
                PpCtl ctl = new PpCtl();
                try {
                    scanForRecompress(m, SlotSelection.requiredFlags(r.type()), prioMax, ctl);
                    hook(ZramHook.POST_PROCESSING);
                    ByteBuffer page = ByteBuffer.allocateDirect(PAGE_SIZE);
                    long[] remaining = {r.maxPages()};
                    long done = 0;
                    long index;
                    while ((index = ctl.take()) >= 0) {
                        if (remaining[0] == 0) {
                            release(m, index);
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
                } finally {
                    releaseAll(m, ctl);
                }
            } finally {
                ppInProgress.set(false);
            }
        } finally {
            initLock.readUnlock();
        }
    }

    private void scanForRecompress(ZramMeta m, long required, int prioMax, PpCtl ctl) {
        for (long index = 0; index < m.nrPages; index++) {
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                index |= SlotTable.CHUNK_SLOTS - 1;
                continue;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            if (SlotTable.allocated(f)
                    && (f & required) == required
                    && (f & (SlotTable.WB | SlotTable.SAME | SlotTable.INCOMPRESSIBLE | SlotTable.PP_SLOT)) == 0
                    && SlotTable.priority(f) + 1 < prioMax) {
                f |= SlotTable.PP_SLOT;
                ctl.place(index, SlotTable.size(f));
            }
            SlotTable.unlock(chunk, b, f);
        }
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
        readLocked(m, chunk, b, f, page, 0);
        f &= ~SlotTable.IDLE;
        int classOld = m.pool.lookupClassIndex(oldLen);
        int prio = Math.max(prioFrom, SlotTable.priority(f) + 1);
        if (prio >= prioMax) {
            return f;
        }
        Zcomp[] cs = comps;
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
            if (prio < numActiveComps) {
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
        f = freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, handle);
        f = SlotTable.withPriority(SlotTable.withSize(f, newLen), prio);
        stats.comprDataSize.add(newLen);
        stats.pagesStored.increment();
        return f;
    }

    // =============================================================================== block I/O

    /**
     * Enters a request: checks the range against the capacity (beyond it: {@code outOfRange}, as
     * the block layer answers), takes the meta's usage reference. Returns null for an empty request.
     */
    private ZramMeta enter(long offset, long length, Errno outOfRange) throws ErrnoIOException {
        if (offset < 0 || length < 0) {
            throw new ErrnoIOException(Errno.EINVAL, "negative offset or length");
        }
        long cap = disksize;
        if (offset > cap || length > cap - offset) {
            throw new ErrnoIOException(outOfRange, name + ": [" + offset + ", +" + length + ") beyond the capacity " + cap);
        }
        if (length == 0) {
            return null;
        }
        ZramMeta m = meta;
        if (m == null) {
            throw new ErrnoIOException(outOfRange, name + " was reset");
        }
        if (!m.usage.tryGet()) {
            if (meta == m && disksize != 0 && m.uafReported.compareAndSet(false, true)) {
                kasan("use-after-free", "zram_submit_bio", m);
            }
            throw new ErrnoIOException(Errno.EIO, name + ": the device's memory was freed under it");
        }
        if (offset + length > m.disksize) {
            m.usage.put();
            throw new ErrnoIOException(outOfRange, name + ": beyond the capacity " + m.disksize);
        }
        return m;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int len = src.remaining();
        long t0 = System.nanoTime();
        ZramMeta m = enter(offset, len, Errno.ENOSPC);
        if (m == null) {
            return;
        }
        int pos = src.position();
        try {
            partStat.start(t0, m.usage);
            long acTime = host.now(t0);
            Zcomp primary = comps[PRIMARY_COMP];
            long off = offset;
            int p = pos;
            int rem = len;
            while (rem > 0) {
                long index = off >>> SlotTable.PAGE_SHIFT;
                int in = (int) (off & (PAGE_SIZE - 1));
                int n = Math.min(rem, PAGE_SIZE - in);
                if (n == PAGE_SIZE) {
                    writePage(m, primary, index, src, p, acTime);
                } else {
                    writePartial(m, primary, index, in, src, p, n, acTime);
                }
                off += n;
                p += n;
                rem -= n;
            }
        } catch (ErrnoException e) {
            stats.failedWrites.increment();
            throw ioError(e.errno() == Errno.ENOMEM ? Errno.ENOMEM : Errno.EIO, e);
        } finally {
            partStat.done(PartStat.WRITE, len, t0, System.nanoTime(), m.usage);
            m.usage.put();
        }
        src.position(pos + len);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int len = dst.remaining();
        long t0 = System.nanoTime();
        ZramMeta m = enter(offset, len, Errno.EIO);
        if (m == null) {
            return;
        }
        int pos = dst.position();
        try {
            partStat.start(t0, m.usage);
            long acTime = host.now(t0);
            long off = offset;
            int p = pos;
            int rem = len;
            while (rem > 0) {
                long index = off >>> SlotTable.PAGE_SHIFT;
                int in = (int) (off & (PAGE_SIZE - 1));
                int n = Math.min(rem, PAGE_SIZE - in);
                readPage(m, index, in, dst, p, n, acTime);
                off += n;
                p += n;
                rem -= n;
            }
        } catch (ErrnoException e) {
            stats.failedReads.increment();
            throw ioError(Errno.EIO, e);
        } finally {
            partStat.done(PartStat.READ, len, t0, System.nanoTime(), m.usage);
            m.usage.put();
        }
        dst.position(pos + len);
    }

    /**
     * Discard (REQ_OP_DISCARD, {@code zram_bio_discard}): frees the whole pages inside the range
     * (notify_free + 1 each); a partial page at either end is left as it is. Beyond the capacity:
     * ENOSPC.
     */
    @Override
    public void discard(long offset, long length) throws IOException {
        ZramMeta m = enter(offset, length, Errno.ENOSPC);
        if (m == null) {
            return;
        }
        try {
            freeRange(m, offset, length);
        } finally {
            m.usage.put();
        }
    }

    /**
     * Write-zeroes: whole pages are freed as by {@link #discard} (notify_free + 1 each; they read as
     * zeros); a partial page at either end is zero-filled by read-modify-write if it holds data.
     */
    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        ZramMeta m = enter(offset, length, Errno.ENOSPC);
        if (m == null) {
            return;
        }
        try {
            long acTime = host.now();
            int head = (int) (offset & (PAGE_SIZE - 1));
            if (head != 0) {
                int n = (int) Math.min(length, PAGE_SIZE - head);
                writePartial(m, comps[PRIMARY_COMP], offset >>> SlotTable.PAGE_SHIFT, head, null, 0, n, acTime);
            }
            long end = offset + length;
            int tail = (int) (end & (PAGE_SIZE - 1));
            long tailPage = end >>> SlotTable.PAGE_SHIFT;
            if (tail != 0 && (head == 0 || tailPage != offset >>> SlotTable.PAGE_SHIFT)) {
                writePartial(m, comps[PRIMARY_COMP], tailPage, 0, null, 0, tail, acTime);
            }
            freeRange(m, offset, length);
        } catch (ErrnoException e) {
            stats.failedWrites.increment();
            throw ioError(e.errno() == Errno.ENOMEM ? Errno.ENOMEM : Errno.EIO, e);
        } finally {
            m.usage.put();
        }
    }

    /**
     * The error a failed request completes with: the block layer turns zram's failures into
     * BLK_STS_IOERR (EIO); a write refused for memory (mem_limit, no native memory) keeps ENOMEM.
     */
    private static ErrnoIOException ioError(Errno errno, ErrnoException cause) {
        ErrnoIOException e = new ErrnoIOException(errno, cause.getMessage());
        e.initCause(cause);
        return e;
    }

    private void freeRange(ZramMeta m, long offset, long length) {
        long index = offset >>> SlotTable.PAGE_SHIFT;
        int in = (int) (offset & (PAGE_SIZE - 1));
        long n = length;
        if (in != 0) {
            if (n <= PAGE_SIZE - in) {
                return;
            }
            n -= PAGE_SIZE - in;
            index++;
        }
        long pages = n >>> SlotTable.PAGE_SHIFT;
        long end = index + pages;
        while (index < end) {
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                long next = Math.min(end, (index | (SlotTable.CHUNK_SLOTS - 1)) + 1);
                stats.notifyFree.add(next - index);
                index = next;
                continue;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            f = freeSlot(m, chunk, b, f);
            SlotTable.unlock(chunk, b, f);
            stats.notifyFree.increment();
            index++;
        }
    }

    /** flush: requests complete synchronously, so this only orders after the completed ones. */
    @Override
    public void flush() {
        VarHandle.fullFence();
    }

    @Override
    public BlockState blockState(long offset) throws IOException {
        ZramMeta m = enter(offset, 1, Errno.EIO);
        try {
            long index = offset >>> SlotTable.PAGE_SHIFT;
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                return BlockState.HOLE;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            long h = SlotTable.handle(chunk, b);
            SlotTable.unlock(chunk, b, f);
            if ((f & SlotTable.SAME) != 0) {
                return h == 0 ? BlockState.ZERO : BlockState.DATA;
            }
            return SlotTable.allocated(f) ? BlockState.DATA : BlockState.HOLE;
        } finally {
            m.usage.put();
        }
    }

    /**
     * {@code zram_slot_free_notify} (swap's hint that a slot is free): notify_free + 1; if the slot
     * lock is taken, miss_free + 1 and nothing is freed.
     */
    public void slotFreeNotify(long index) throws IOException {
        ZramMeta m = enter(index << SlotTable.PAGE_SHIFT, PAGE_SIZE, Errno.EIO);
        try {
            stats.notifyFree.increment();
            long[] chunk = m.table.chunkOrNull(index);
            if (chunk == null) {
                return;
            }
            int b = SlotTable.base(index);
            long f = SlotTable.tryLock(chunk, b);
            if (f < 0) {
                stats.missFree.increment();
                return;
            }
            SlotTable.unlock(chunk, b, freeSlot(m, chunk, b, f));
        } finally {
            m.usage.put();
        }
    }

    // ---- pages ------------------------------------------------------------------------------

    /** page_same_filled(): all 512 words equal (first against last, then the rest, early exit). */
    private static boolean sameFilled(ByteBuffer b, int off) {
        long v = (long) LONGS.get(b, off);
        if (v != (long) LONGS.get(b, off + PAGE_SIZE - 8)) {
            return false;
        }
        for (int i = 8; i < PAGE_SIZE - 8; i += 8) {
            if ((long) LONGS.get(b, off + i) != v) {
                return false;
            }
        }
        return true;
    }

    /** zram_fill_page(): {@code len} bytes at {@code dst[off]} from the page pattern of {@code element} starting at page byte {@code pageOff}. */
    private static void fill(ByteBuffer dst, int off, int pageOff, int len, long element) {
        int i = 0;
        if ((pageOff & 7) == 0) {
            for (; i + 8 <= len; i += 8) {
                LONGS.set(dst, off + i, element);
            }
        }
        for (; i < len; i++) {
            int j = (pageOff + i) & 7;
            int shift = LITTLE_ENDIAN ? 8 * j : 56 - 8 * j;
            dst.put(off + i, (byte) (element >>> shift));
        }
    }

    /** Full-page write: compress and allocate without the slot lock, publish under it. */
    private void writePage(ZramMeta m, Zcomp comp, long index, ByteBuffer src, int off, long acTime) {
        if (sameFilled(src, off)) {
            long element = (long) LONGS.get(src, off);
            long[] chunk = m.table.chunk(index);
            int b = SlotTable.base(index);
            long f = SlotTable.lock(chunk, b);
            SlotTable.unlock(chunk, b, publishSameLocked(m, chunk, b, f, element, acTime));
            return;
        }
        long stored = storeObject(m, comp, src, off);
        long[] chunk = m.table.chunk(index);
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        SlotTable.unlock(chunk, b, publishLocked(m, chunk, b, f, stored, acTime));
    }

    /**
     * Partial write (or zero-fill when {@code src} is null) of {@code n} bytes at {@code in} in the
     * page: read-modify-write under the slot lock, so it is atomic against every other access to
     * the page. Zero-filling a slot that holds nothing changes nothing.
     */
    private void writePartial(ZramMeta m, Zcomp comp, long index, int in, ByteBuffer src, int srcOff, int n, long acTime) {
        long[] chunk = src == null ? m.table.chunkOrNull(index) : m.table.chunk(index);
        if (chunk == null) {
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        try {
            if (src == null && !SlotTable.allocated(f)) {
                return;
            }
            ByteBuffer page = scratch.get();
            readLocked(m, chunk, b, f, page, 0);
            if (src == null) {
                fill(page, in, in, n, 0L);
            } else {
                page.put(in, src, srcOff, n);
            }
            if (sameFilled(page, 0)) {
                f = publishSameLocked(m, chunk, b, f, (long) LONGS.get(page, 0), acTime);
            } else {
                f = publishLocked(m, chunk, b, f, storeObject(m, comp, page, 0), acTime);
            }
        } finally {
            SlotTable.unlock(chunk, b, f);
        }
    }

    /**
     * Compresses the page and stores it in the pool (raw when the result reaches the huge class
     * size). Returns {@code handle | size << SIZE_BIT}. ENOMEM (failed write) when the pool is past
     * mem_limit after the allocation or no memory can be reserved.
     */
    private long storeObject(ZramMeta m, Zcomp comp, ByteBuffer src, int off) {
        ZcompStrm s = comp.streamGet();
        long handle = 0;
        int len;
        try {
            len = comp.compress(s, src, off);
            if (len < HUGE_CLASS_SIZE) {
                handle = alloc(m, len);
                m.pool.write(handle, s.buffer, 0, len);
            }
        } finally {
            comp.streamPut(s);
        }
        if (handle == 0) {
            len = PAGE_SIZE;
            handle = alloc(m, PAGE_SIZE);
            m.pool.write(handle, src, off, PAGE_SIZE);
        }
        return handle | (long) len << SIZE_BIT;
    }

    /** zs_malloc() + zram_can_store_page(): raises mem_used_max, enforces mem_limit. */
    private long alloc(ZramMeta m, int size) {
        long handle = m.pool.malloc(size);
        long pages = m.pool.totalPages();
        stats.updateUsedMax(pages);
        long limit = limitPages;
        if (limit != 0 && pages > limit) {
            m.pool.free(handle);
            throw new ErrnoException(Errno.ENOMEM, name + ": mem_limit of " + (limit << SlotTable.PAGE_SHIFT) + " bytes reached");
        }
        return handle;
    }

    /** Publishes a stored object in a locked slot (freeing the old one); returns the new flags. */
    private long publishLocked(ZramMeta m, long[] chunk, int b, long f, long stored, long acTime) {
        long handle = stored & ((1L << SIZE_BIT) - 1);
        int size = (int) (stored >>> SIZE_BIT);
        f = freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, handle);
        SlotTable.setAcTime(chunk, b, acTime);
        f = SlotTable.withSize(f, size);
        stats.pagesStored.increment();
        stats.comprDataSize.add(size);
        if (size == PAGE_SIZE) {
            f |= SlotTable.HUGE;
            stats.hugePages.increment();
            stats.hugePagesSince.increment();
        }
        return f;
    }

    /** write_same_filled_page() in a locked slot; returns the new flags. */
    private long publishSameLocked(ZramMeta m, long[] chunk, int b, long f, long element, long acTime) {
        f = freeSlot(m, chunk, b, f);
        SlotTable.setHandle(chunk, b, element);
        SlotTable.setAcTime(chunk, b, acTime);
        stats.samePages.increment();
        stats.pagesStored.increment();
        return f | SlotTable.SAME;
    }

    /** zram_free_page() in a locked slot: undoes the slot's counters, returns the cleared flags. */
    private long freeSlot(ZramMeta m, long[] chunk, int b, long f) {
        SlotTable.setAcTime(chunk, b, 0);
        f &= ~(SlotTable.IDLE | SlotTable.INCOMPRESSIBLE | SlotTable.PP_SLOT | SlotTable.PRIO_MASK);
        if ((f & SlotTable.HUGE) != 0) {
            f &= ~SlotTable.HUGE;
            stats.hugePages.decrement();
        }
        if ((f & SlotTable.WB) != 0) {
            f &= ~SlotTable.WB;
            BackingDev bd = backing;
            if (bd != null && !bd.freeBlock(SlotTable.handle(chunk, b))) {
                kernel.log().warnSplat("drivers/block/zram/zram_drv.c:468 free_block_bdev", "WARN_ON_ONCE(!was_set)");
            }
            stats.bdCount.decrement();
        } else if ((f & SlotTable.SAME) != 0) {
            f &= ~SlotTable.SAME;
            stats.samePages.decrement();
        } else {
            long handle = SlotTable.handle(chunk, b);
            if (handle == 0) {
                return f;
            }
            m.pool.free(handle);
            stats.comprDataSize.add(-SlotTable.size(f));
        }
        stats.pagesStored.decrement();
        SlotTable.setHandle(chunk, b, 0);
        return SlotTable.withSize(f, 0);
    }

    /**
     * Reads {@code n} bytes at {@code in} of page {@code index} into {@code dst[off]}; the slot is
     * locked across the decompression and marked accessed (IDLE and PP_SLOT cleared, ac_time set).
     */
    private void readPage(ZramMeta m, long index, int in, ByteBuffer dst, int off, int n, long acTime) {
        long[] chunk = m.table.chunkOrNull(index);
        if (chunk == null) {
            fill(dst, off, in, n, 0L);
            return;
        }
        int b = SlotTable.base(index);
        long f = SlotTable.lock(chunk, b);
        try {
            if (n == PAGE_SIZE) {
                readLocked(m, chunk, b, f, dst, off);
            } else {
                readPartialLocked(m, chunk, b, f, in, dst, off, n);
            }
            SlotTable.setAcTime(chunk, b, acTime);
            f &= ~(SlotTable.IDLE | SlotTable.PP_SLOT);
        } finally {
            SlotTable.unlock(chunk, b, f);
        }
    }

    /** zram_read_page() with the slot locked: the whole page into {@code dst[off .. off+4096)}. */
    private void readLocked(ZramMeta m, long[] chunk, int b, long f, ByteBuffer dst, int off) {
        if ((f & SlotTable.WB) != 0) {
            readFromBdev(chunk, b, dst, off);
            return;
        }
        if ((f & SlotTable.SAME) != 0) {
            fill(dst, off, 0, PAGE_SIZE, SlotTable.handle(chunk, b));
            return;
        }
        int size = SlotTable.size(f);
        long handle = SlotTable.handle(chunk, b);
        if (size == 0 || handle == 0) {
            fill(dst, off, 0, PAGE_SIZE, 0L);
            return;
        }
        if (size == PAGE_SIZE) {
            m.pool.read(handle, dst, off, PAGE_SIZE);
            return;
        }
        Zcomp comp = comps[SlotTable.priority(f)];
        ZcompStrm s = comp.streamGet();
        try {
            ZsMapping mp = s.mapping;
            m.pool.map(handle, mp);
            try {
                comp.decompress(s, mp.buffer(), mp.offset(), size, dst, off);
            } finally {
                m.pool.unmap(mp);
            }
        } finally {
            comp.streamPut(s);
        }
    }

    /** A partial read with the slot locked: compressed pages decompress into the stream's local copy. */
    private void readPartialLocked(ZramMeta m, long[] chunk, int b, long f, int in, ByteBuffer dst, int off, int n) {
        int size = SlotTable.size(f);
        long handle = SlotTable.handle(chunk, b);
        if ((f & SlotTable.WB) != 0) {
            ByteBuffer page = scratch.get();
            readFromBdev(chunk, b, page, 0);
            dst.put(off, page, in, n);
        } else if ((f & SlotTable.SAME) != 0) {
            fill(dst, off, in, n, handle);
        } else if (size == 0 || handle == 0) {
            fill(dst, off, in, n, 0L);
        } else {
            Zcomp comp = comps[SlotTable.priority(f)];
            ZcompStrm s = comp.streamGet();
            try {
                ZsMapping mp = s.mapping;
                m.pool.map(handle, mp);
                try {
                    if (size == PAGE_SIZE) {
                        dst.put(off, mp.buffer(), mp.offset() + in, n);
                    } else {
                        comp.decompress(s, mp.buffer(), mp.offset(), size, s.localCopy, 0);
                        dst.put(off, s.localCopy, in, n);
                    }
                } finally {
                    m.pool.unmap(mp);
                }
            } finally {
                comp.streamPut(s);
            }
        }
    }

    private void readFromBdev(long[] chunk, int b, ByteBuffer dst, int off) {
        BackingDev bd = backing;
        if (bd == null) {
            throw new ErrnoException(Errno.EIO, name + ": written-back page without a backing device");
        }
        try {
            bd.readPage(SlotTable.handle(chunk, b), dst, off);
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, name + ": reading the backing device: " + e.getMessage(), e);
        }
        stats.bdReads.increment();
    }

    // =============================================================================== introspection

    /** The slot flags of page {@code index} as names (tests, debugfs-style dumps); empty for an empty slot. */
    public List<String> slotFlags(long index) {
        ZramMeta m = meta;
        List<String> out = new ArrayList<>();
        if (m == null || index < 0 || index >= m.nrPages) {
            return out;
        }
        long[] chunk = m.table.chunkOrNull(index);
        if (chunk == null) {
            return out;
        }
        long f = SlotTable.peekFlags(chunk, SlotTable.base(index));
        String[] names = {"same", "lock", "wb", "pp_slot", "huge", "idle", "incompressible"};
        long[] bits = {SlotTable.SAME, SlotTable.LOCK, SlotTable.WB, SlotTable.PP_SLOT, SlotTable.HUGE, SlotTable.IDLE, SlotTable.INCOMPRESSIBLE};
        for (int i = 0; i < bits.length; i++) {
            if ((f & bits[i]) != 0) {
                out.add(names[i]);
            }
        }
        if (SlotTable.size(f) != 0) {
            out.add("size=" + SlotTable.size(f));
        }
        if (SlotTable.priority(f) != 0) {
            out.add("prio=" + SlotTable.priority(f));
        }
        return out;
    }

    @Override
    public String toString() {
        return "zram device " + name + " (" + (isInitialised() ? Long.toUnsignedString(disksize) + " bytes" : "uninitialised") + ")";
    }

    // =============================================================================== embedding

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Closes an embedded device: gives back its opener, resets it (every byte back) and shuts down
     * its private machine. EBUSY (nothing done) while someone else holds it open. On a device made
     * with {@link #create} this is {@link #resetDevice()}. Idempotent.
     */
    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        if (lifeOpener != null) {
            openMutex.lock();
            try {
                if (openers > 1) {
                    throw new ErrnoException(Errno.EBUSY, name + " is still opened by " + (openers - 1) + " other user(s)");
                }
            } finally {
                openMutex.unlock();
            }
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (lifeOpener != null) {
            lifeOpener.close();
            reset();
        } else {
            resetDevice();
        }
        if (afterClose != null) {
            afterClose.run();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Builds an initialised device for embedding: on a private emulated machine with
     * {@link #cpus(int)} CPUs (default: the JVM's processors), or on an existing machine
     * ({@link #hotplug(CpuHotplug)}), whose {@code block/zram:prepare} state is registered (owner
     * null) if it is not yet. Configuration errors are {@link ErrnoException}s with the errno the
     * matching sysfs store would give.
     */
    public static final class Builder {
        private String name = "zram0";
        private long diskSize;
        private String algorithm;
        private ZcompParams params;
        private final String[] recomp = new String[MAX_COMPS];
        private final ZcompParams[] recompParams = new ZcompParams[MAX_COMPS];
        private long memLimit;
        private Path backingFile;
        private long writebackLimit = -1;
        private int cpus = Math.max(1, Runtime.getRuntime().availableProcessors());
        private CpuHotplug hotplug;
        private boolean lockdep;
        private LongSupplier clock;
        private ResetVariant resetVariant = ResetVariant.UPSTREAM;
        private ZcompBackends backends;

        private Builder() {
        }

        /** The device name (default zram0). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /** disksize in bytes (rounded up to 4 KiB pages); required. */
        public Builder diskSize(long bytes) {
            this.diskSize = bytes;
            return this;
        }

        /** comp_algorithm (default lz4). */
        public Builder algorithm(String name) {
            this.algorithm = Objects.requireNonNull(name);
            return this;
        }

        /** algorithm_params of the primary algorithm. */
        public Builder algorithmParams(ZcompParams params) {
            this.params = Objects.requireNonNull(params);
            return this;
        }

        /** recomp_algorithm {@code algo=NAME priority=N} (N in 1..3) for recompression. */
        public Builder recompressionAlgorithm(int priority, String name) {
            return recompressionAlgorithm(priority, name, null);
        }

        /** A recompression algorithm with its parameters. */
        public Builder recompressionAlgorithm(int priority, String name, ZcompParams params) {
            if (priority < SECONDARY_COMP || priority >= MAX_COMPS) {
                throw new ErrnoException(Errno.EINVAL, "recompression priority " + priority + " outside 1.." + (MAX_COMPS - 1));
            }
            recomp[priority] = Objects.requireNonNull(name);
            recompParams[priority] = params;
            return this;
        }

        /** mem_limit in bytes (0 = none). */
        public Builder memLimit(long bytes) {
            this.memLimit = bytes;
            return this;
        }

        /** backing_dev: a regular file that writeback moves pages to. */
        public Builder backingFile(Path file) {
            this.backingFile = Objects.requireNonNull(file);
            return this;
        }

        /** writeback_limit in 4 KiB pages, with writeback_limit_enable set. */
        public Builder writebackLimit(long pages) {
            this.writebackLimit = pages;
            return this;
        }

        /** CPUs of the private machine (ignored with {@link #hotplug}). */
        public Builder cpus(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("cpus " + n);
            }
            this.cpus = n;
            return this;
        }

        /** Run on an existing emulated machine instead of a private one. */
        public Builder hotplug(CpuHotplug machine) {
            this.hotplug = Objects.requireNonNull(machine);
            return this;
        }

        /** Lockdep on the private machine's kernel (default off: it allocates on every lock). */
        public Builder lockdep(boolean on) {
            this.lockdep = on;
            return this;
        }

        /** The access-time clock (nanoseconds), for idle marking by age. */
        public Builder clock(LongSupplier nanos) {
            this.clock = Objects.requireNonNull(nanos);
            return this;
        }

        public Builder resetVariant(ResetVariant variant) {
            this.resetVariant = Objects.requireNonNull(variant);
            return this;
        }

        /** The compression backends (default: the built-in ones that work here). */
        public Builder backends(ZcompBackends backends) {
            this.backends = Objects.requireNonNull(backends);
            return this;
        }

        /**
         * Makes the device: configures it, initialises it and opens it once for its life.
         *
         * @throws ErrnoException the errno of the failing step (EINVAL for a disksize of 0 or an
         *     unknown algorithm, ENOMEM, ENOENT for a missing backing file, ...); nothing is left
         *     allocated then
         */
        public ZramDevice build() {
            if (diskSize == 0) {
                throw new ErrnoException(Errno.EINVAL, "diskSize is required");
            }
            Kernel privateKernel = null;
            CpuHotplug hp = hotplug;
            if (hp == null) {
                privateKernel = Kernel.builder().lockdep(lockdep).build();
                hp = new CpuHotplug(privateKernel, cpus);
            }
            boolean registered = false;
            ZramDevice dev = null;
            try {
                if (!Zcomp.stateRegistered(hp)) {
                    Zcomp.setupState(hp, null);
                    registered = true;
                }
                ZramHost.Builder hb = ZramHost.builder(hp).resetVariant(resetVariant);
                if (clock != null) {
                    hb.clock(clock);
                }
                if (backends != null) {
                    hb.backends(backends);
                }
                dev = new ZramDevice(hb.build(), name);
                if (algorithm != null) {
                    dev.setCompAlgorithm(algorithm);
                }
                if (params != null) {
                    dev.setAlgorithmParams(PRIMARY_COMP, null, params);
                }
                for (int p = SECONDARY_COMP; p < MAX_COMPS; p++) {
                    if (recomp[p] != null) {
                        dev.setRecompAlgorithm(p, recomp[p]);
                        if (recompParams[p] != null) {
                            dev.setAlgorithmParams(p, null, recompParams[p]);
                        }
                    }
                }
                dev.setMemLimit(memLimit);
                if (backingFile != null) {
                    dev.setBackingDev(backingFile);
                }
                if (writebackLimit >= 0) {
                    dev.setWritebackLimit(writebackLimit);
                    dev.setWritebackLimitEnable(true);
                }
                dev.initialise(diskSize);
                try {
                    dev.lifeOpener = dev.open();
                } catch (IOException e) {
                    throw new IllegalStateException("a new device refused to open", e);
                }
                final CpuHotplug machine = hp;
                final Kernel k = privateKernel;
                final boolean removeState = registered && privateKernel != null;
                dev.afterClose = () -> {
                    if (removeState) {
                        Zcomp.removeState(machine);
                    }
                    if (k != null) {
                        k.close();
                    }
                };
                return dev;
            } catch (RuntimeException | Error e) {
                if (dev != null) {
                    dev.resetBdevQuietly();
                    if (dev.isInitialised()) {
                        dev.resetDevice();
                    }
                }
                if (registered && privateKernel != null) {
                    Zcomp.removeState(hp);
                }
                if (privateKernel != null) {
                    privateKernel.close();
                }
                throw e;
            }
        }
    }

    private void resetBdevQuietly() {
        initLock.writeLock();
        try {
            resetBdev();
        } finally {
            initLock.writeUnlock();
        }
    }
}
