// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.zsmalloc.ZsPool;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.locking.GuardedBy;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A device's lifecycle: {@code disksize_store} ({@link #initialise}, with
 * {@code zram_meta_alloc()} and the compressors), {@code zram_reset_device()} in both
 * {@link ResetVariant}s ({@link #resetDevice}), {@code reset_store} ({@link #reset}), the claim
 * that reset and {@code zram_remove()} take ({@link #tryClaim}, {@link #claimForRemoval},
 * {@link #releaseClaim}), and opener counting ({@code zram_open}, {@link #open}).
 *
 * <p>Locking: initialise and reset hold {@code init_lock} for writing (the pre-5.16 reset drops it
 * before freeing, on purpose); the state they publish is {@link ZramState}'s, whose accessors assert
 * that. {@code open_mutex} guards {@link #openers} and {@link #claim}: they are touched only by the
 * {@code *Locked} methods, which assert it ({@code lockdep_assert_held(&disk->open_mutex)}, as the
 * kernel's {@code zram_open} warns when it is not held).
 */
final class ZramLifecycle {
    private final ZramState z;

    @GuardedBy("open_mutex")
    private int openers;
    /** Written under open_mutex; read without it by {@link #isClaimed} (zram_remove's WARN_ON). */
    @GuardedBy("open_mutex")
    private volatile boolean claim;

    ZramLifecycle(ZramState z) {
        this.z = z;
    }

    /** {@code initstate_show}: init_done() read under init_lock. */
    boolean initState() {
        z.initLock.readLock();
        try {
            return z.initDone();
        } finally {
            z.initLock.readUnlock();
        }
    }

    /** See {@link ZramControl#initialise}. */
    void initialise(long bytes) {
        if (bytes == 0) {
            throw new ErrnoException(Errno.EINVAL, "disksize 0");
        }
        z.initLock.writeLock();
        try {
            if (z.initDone()) {
                z.kernel.log().info("zram: Cannot change disksize for initialized device");
                throw new ErrnoException(Errno.EBUSY, z.name + " is initialised");
            }
            z.hook(ZramHook.DISKSIZE_LOCKED);
            long size = (bytes + ZramDevice.PAGE_SIZE - 1) & ~(long) (ZramDevice.PAGE_SIZE - 1);
            ZramMeta m = metaAlloc(size);
            Zcomp[] created = new Zcomp[ZramDevice.MAX_COMPS];
            int active = 0;
            try {
                for (int prio = ZramDevice.PRIMARY_COMP; prio < ZramDevice.MAX_COMPS; prio++) {
                    String alg = z.compAlg(prio);
                    if (alg == null) {
                        continue;
                    }
                    try {
                        ZcompBackend backend = z.host.backends().get(alg);
                        created[prio] = Zcomp.create(z.host.hotplug(), backend, z.params(prio), z.host.streamBytesCounter());
                    } catch (ErrnoException e) {
                        z.kernel.log().err("zram: Cannot initialise " + alg + " compressing backend");
                        throw e;
                    }
                    active++;
                }
            } catch (RuntimeException e) {
                destroy(created);
                metaFree(m);
                throw e;
            }
            z.hook(ZramHook.DISKSIZE_ALLOCATED);
            z.setComps(created, active);
            z.setMeta(m);
            z.setDisksize(size);
        } finally {
            z.initLock.writeUnlock();
        }
    }

    private ZramMeta metaAlloc(long size) {
        if (size == 0 || Long.compareUnsigned(size, ZramDevice.MAX_DISKSIZE) > 0) {
            throw new ErrnoException(Errno.ENOMEM, "cannot allocate the table of a " + Long.toUnsignedString(size) + "-byte device");
        }
        SlotTable table;
        try {
            table = new SlotTable(size >>> SlotTable.PAGE_SHIFT);
        } catch (OutOfMemoryError e) {
            throw new ErrnoException(Errno.ENOMEM, "cannot allocate the slot table", e);
        }
        return new ZramMeta(size, table, new ZsPool(z.name, z.host.freePages()));
    }

    /** zram_meta_free(): waits out the requests on it, then gives the pool back. */
    private void metaFree(ZramMeta m) {
        if (!m.freed.compareAndSet(false, true)) {
            z.kasan("double-free", "zram_meta_free", m);
            return;
        }
        m.usage.kill();
        m.usage.drain();
        m.pool.close();
    }

    private static void destroy(Zcomp[] cs) {
        for (Zcomp c : cs) {
            if (c != null) {
                c.destroy();
            }
        }
    }

    /** See {@link ZramControl#resetDevice}. */
    void resetDevice() {
        if (z.resetVariant() == ResetVariant.PRE_5_16) {
            resetDevicePre516();
            return;
        }
        z.initLock.writeLock();
        try {
            z.hook(ZramHook.RESET_LOCKED);
            z.setLimitPages(0);
            z.setDisksize(0);
            z.partStat.reset();
            ZramMeta m = z.meta();
            z.setMeta(null);
            if (m != null) {
                metaFree(m);
            }
            destroy(z.setComps(new Zcomp[ZramDevice.MAX_COMPS], 0));
            z.resetAlgorithms();
            z.stats.reset();
            z.resetBdev();
        } finally {
            z.initLock.writeUnlock();
        }
    }

    /** The 5.15 zram_reset_device(): see {@link ResetVariant#PRE_5_16}. */
    private void resetDevicePre516() {
        Zcomp[] old;
        z.initLock.writeLock();
        try {
            z.setLimitPages(0);
            if (!z.initDone()) {
                return;
            }
            old = z.comps();
            z.setDisksize(0);
            z.partStat.reset();
        } finally {
            z.initLock.writeUnlock();
        }
        z.hook(ZramHook.RESET_UNLOCKED);
        // zram_meta_free(zram, disksize): whatever zram->table/mem_pool point to NOW
        ZramMeta m = z.meta();
        if (m != null) {
            metaFree(m);
        }
        z.stats.reset();
        destroy(old);
        z.resetBdevPre516();
    }

    /** Drops a backing file set before a failed build (the builder's clean-up). */
    void resetBdevLocked() {
        z.initLock.writeLock();
        try {
            z.resetBdev();
        } finally {
            z.initLock.writeUnlock();
        }
    }

    /** See {@link ZramControl#reset}. */
    void reset() {
        tryClaim();
        try {
            sync();
            resetDevice();
        } finally {
            releaseClaim();
        }
    }

    /** sync_blockdev(): requests complete synchronously here, so every completed write is already stored. */
    void sync() {
        VarHandle.fullFence();
    }

    // ---- open_mutex: openers and the claim --------------------------------------------------------

    /** See {@link ZramControl#tryClaim}. */
    void tryClaim() {
        z.openMutex.lock();
        try {
            claimLocked(false);
        } finally {
            z.openMutex.unlock();
        }
    }

    /** See {@link ZramControl#claimForRemoval}. */
    boolean claimForRemoval() {
        z.openMutex.lock();
        try {
            return claimLocked(true);
        } finally {
            z.openMutex.unlock();
        }
    }

    /**
     * EBUSY while opened (and, unless {@code removal}, while claimed); otherwise sets the claim and
     * returns whether it was set already.
     */
    private boolean claimLocked(boolean removal) {
        z.openMutex.assertHeld();
        boolean claimed = !removal && claim;
        if (openers > 0 || claimed) {
            throw new ErrnoException(Errno.EBUSY, z.name + (claimed ? " is claimed" : " is open"));
        }
        boolean was = claim;
        claim = true;
        return was;
    }

    /** See {@link ZramControl#releaseClaim}. */
    void releaseClaim() {
        z.openMutex.lock();
        try {
            unclaimLocked();
        } finally {
            z.openMutex.unlock();
        }
    }

    private void unclaimLocked() {
        z.openMutex.assertHeld();
        claim = false;
    }

    boolean isClaimed() {
        return claim;
    }

    /** disk_openers(). */
    int openers() {
        z.openMutex.lock();
        try {
            return openersLocked();
        } finally {
            z.openMutex.unlock();
        }
    }

    private int openersLocked() {
        z.openMutex.assertHeld();
        return openers;
    }

    /** blkdev_get / zram_open: EBUSY while a reset or removal claims the device. */
    BlockDevice.Opener open() throws ErrnoIOException {
        z.openMutex.lock();
        try {
            openLocked();
        } finally {
            z.openMutex.unlock();
        }
        return new DeviceOpener();
    }

    /** zram_open() and the opener count of blkdev_get, open_mutex held. */
    private void openLocked() throws ErrnoIOException {
        z.openMutex.assertHeld();
        if (claim) {
            throw new ErrnoIOException(Errno.EBUSY, z.name + " is claimed by a reset");
        }
        openers++;
    }

    /** The opener count of blkdev_put, open_mutex held. */
    private void releaseLocked() {
        z.openMutex.assertHeld();
        openers--;
    }

    /** An embedded device's close: EBUSY while someone other than its own opener holds it open. */
    void checkOnlyOwnOpener() {
        z.openMutex.lock();
        try {
            int n = openersLocked();
            if (n > 1) {
                throw new ErrnoException(Errno.EBUSY, z.name + " is still opened by " + (n - 1) + " other user(s)");
            }
        } finally {
            z.openMutex.unlock();
        }
    }

    private final class DeviceOpener implements BlockDevice.Opener {
        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public BlockDevice device() {
            return z.device();
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            z.openMutex.lock();
            try {
                releaseLocked();
            } finally {
                z.openMutex.unlock();
            }
        }
    }
}
