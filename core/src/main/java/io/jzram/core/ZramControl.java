// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.locking.RwSemaphore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The zram driver's handle on one device: what the driver does to a {@link ZramDevice} and an
 * embedder never does. A driver gets one from {@link ZramHost#create} (zram_add) and holds it for
 * the device's life; {@link #device()} is the device itself, for the attributes and the I/O that
 * embedders use too.
 *
 * <ul>
 *   <li>lifecycle: {@link #initialise} ({@code disksize_store}), {@link #initState},
 *       {@link #reset} ({@code reset_store}), {@link #resetDevice} ({@code zram_reset_device}),
 *       {@link #sync}, {@link #openers}, and the claim of reset and {@code zram_remove}:
 *       {@link #tryClaim}, {@link #claimForRemoval}, {@link #releaseClaim}, {@link #isClaimed};</li>
 *   <li>the stores that configure an uninitialised device (EBUSY once initialised, so of no use on
 *       an embedded one, whose builder makes them): {@link #setCompAlgorithm},
 *       {@link #setRecompAlgorithm}, {@link #setAlgorithmParams}, {@link #setBackingDev};</li>
 *   <li>the fix toggle {@link #setResetVariant} (which can select the pre-5.16 reset and its
 *       use-after-free) and the test hooks {@link #setHook};</li>
 *   <li>internals: {@link #initLock()} (for drivers that order their locks against it),
 *       {@link #compressor}, {@link #slotFreeNotify} (swap's hint), {@link #slotFlags}.</li>
 * </ul>
 *
 * <p>Why a class of its own, in this package: the operations reach the device's package-private
 * parts ({@link ZramLifecycle}, {@link ZramConfig}, {@link ZramState}) directly, which a class in
 * another package could do only through public methods that embedders would see too; and
 * {@link ZramDevice} has no public way to its control (this package's tests use the
 * package-private {@code ZramDevice.control()}), so the embedding surface stays the device's own
 * methods. A driver is whoever creates devices on a {@link ZramHost}.
 */
public final class ZramControl {
    private final ZramDevice device;
    private final ZramState z;
    private final ZramLifecycle lifecycle;
    private final ZramConfig config;
    private final ZramDataPath dataPath;

    ZramControl(ZramDevice device, ZramState z, ZramLifecycle lifecycle, ZramConfig config, ZramDataPath dataPath) {
        this.device = device;
        this.z = z;
        this.lifecycle = lifecycle;
        this.config = config;
        this.dataPath = dataPath;
    }

    /** The device (attributes, statistics, maintenance, I/O). */
    public ZramDevice device() {
        return device;
    }

    /** What the device shares with the host's other devices. */
    public ZramHost host() {
        return z.host;
    }

    // =============================================================================== lifecycle

    /**
     * {@code disksize_store} after memparse: 0 is EINVAL; an initialised device EBUSY; the size is
     * rounded up to whole pages; the table and pool are allocated (ENOMEM when they cannot be,
     * including sizes above {@link ZramDevice#MAX_DISKSIZE}), then one compressor per configured
     * priority (their errors pass through, everything allocated is freed).
     *
     * @param bytes the size as memparse returned it (unsigned)
     */
    public void initialise(long bytes) {
        lifecycle.initialise(bytes);
    }

    /** {@code initstate_show}: init_done() read under init_lock. */
    public boolean initState() {
        return lifecycle.initState();
    }

    /**
     * {@code reset_store} after kstrtou16 accepted a non-zero value: EBUSY if the device is opened
     * or claimed; otherwise claim it, sync, reset, unclaim.
     */
    public void reset() {
        lifecycle.reset();
    }

    /**
     * zram_reset_device(): see {@link ResetVariant}. After an {@link ResetVariant#UPSTREAM} reset
     * the device is as created: disksize 0, nothing allocated (pool, table, streams, backing file),
     * stats and block statistics zeroed, mem_limit 0, every algorithm and parameter back to the
     * default.
     */
    public void resetDevice() {
        lifecycle.resetDevice();
    }

    /** sync_blockdev(): requests complete synchronously here, so every completed write is already stored. */
    public void sync() {
        lifecycle.sync();
    }

    /** disk_openers(). */
    public int openers() {
        return lifecycle.openers();
    }

    /** Under open_mutex: EBUSY if opened or claimed; otherwise sets the claim (reset_store, pre-5.16 zram_remove). */
    public void tryClaim() {
        lifecycle.tryClaim();
    }

    /**
     * The 5.16+ {@code zram_remove()} claim: EBUSY if opened; returns whether a reset had claimed
     * the device already (removal then waits for that reset instead of failing); claims it otherwise.
     */
    public boolean claimForRemoval() {
        return lifecycle.claimForRemoval();
    }

    /** Clears the claim under open_mutex. */
    public void releaseClaim() {
        lifecycle.releaseClaim();
    }

    public boolean isClaimed() {
        return lifecycle.isClaimed();
    }

    // =============================================================================== configuring stores

    /**
     * {@code comp_algorithm_store} after the sysfs write: {@code alg} as written (a trailing
     * newline is stripped). Checks in the kernel's order: 128 bytes or more E2BIG, unknown EINVAL,
     * initialised EBUSY.
     */
    public void setCompAlgorithm(String alg) {
        config.setCompAlgorithm(alg);
    }

    /**
     * {@code recomp_algorithm_store} after parsing {@code algo=NAME [priority=N]}: no algorithm
     * EINVAL, priority outside 1..3 EINVAL, then as {@link #setCompAlgorithm}.
     */
    public void setRecompAlgorithm(int priority, String alg) {
        config.setRecompAlgorithm(priority, alg);
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
        config.setAlgorithmParams(priority, algo, params);
    }

    /**
     * {@code backing_dev_store}: initialised EBUSY; then the file's errors (ENOENT, EISDIR,
     * ENOTBLK for what is not a regular file, EACCES, EINVAL for an empty file). Replaces a previous
     * backing file.
     */
    public void setBackingDev(Path file) {
        config.setBackingDev(file);
    }

    // =============================================================================== fix toggle, hooks

    public ResetVariant resetVariant() {
        return z.resetVariant();
    }

    /** Selects the reset behaviour (the fix toggle); takes effect at the next reset. */
    public void setResetVariant(ResetVariant variant) {
        z.setResetVariant(variant);
    }

    /** Installs (or with null removes) the hook run at {@code point}; it gets the device. */
    public void setHook(ZramHook point, Consumer<ZramDevice> hook) {
        z.setHook(point, hook);
    }

    // =============================================================================== internals

    /** The device's {@code init_lock} (for drivers that must order other locks against it). */
    public RwSemaphore initLock() {
        return z.initLock;
    }

    /** The compressor of a priority while initialised (null otherwise). */
    public Zcomp compressor(int priority) {
        return z.comps()[priority];
    }

    /**
     * {@code zram_slot_free_notify} (swap's hint that a slot is free): notify_free + 1; if the slot
     * lock is taken, miss_free + 1 and nothing is freed.
     */
    public void slotFreeNotify(long index) throws IOException {
        dataPath.slotFreeNotify(index);
    }

    /** The slot flags of page {@code index} as names (tests, debugfs-style dumps); empty for an empty slot. */
    public List<String> slotFlags(long index) {
        ZramMeta m = z.meta();
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

    /** The current meta (table + pool), for this package's tests; null while uninitialised (UPSTREAM). */
    ZramMeta currentMeta() {
        return z.meta();
    }

    /** The device's state, for this package's tests of its lock rules. */
    ZramState state() {
        return z;
    }

    /** Drops a backing file set before a failed build (the builder's clean-up). */
    void resetBdev() {
        lifecycle.resetBdevLocked();
    }
}
