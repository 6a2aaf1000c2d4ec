// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.core.ResetVariant;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.util.Locale;

/**
 * The fix sets of the zram driver: one driver, several kernels, so the same scenario shows each bug
 * and each fix (docs/seed.md). What each set switches on:
 *
 * <table>
 *   <caption>zram fix sets</caption>
 *   <tr><th>fix</th><th>none</th><th>seed</th><th>upstream</th><th>all</th><th>patch11</th></tr>
 *   <tr><td>reset holds {@code init_lock} throughout ({@link ResetVariant#UPSTREAM}; else {@link ResetVariant#PRE_5_16})</td>
 *       <td>-</td><td>-</td><td>yes</td><td>yes</td><td>-</td></tr>
 *   <tr><td>{@code zram_remove} waits for a reset that claimed the device (else EBUSY, which module exit ignores: the device leaks)</td>
 *       <td>-</td><td>-</td><td>yes</td><td>yes</td><td>-</td></tr>
 *   <tr><td>second reset after {@code del_gendisk}; {@code sync_blockdev} (else {@code fsync_bdev})</td>
 *       <td>-</td><td>-</td><td>yes</td><td>yes</td><td>-</td></tr>
 *   <tr><td>patch 11/12, driver side: {@code zram_up} under {@code zram_index_mutex}; hot_add and hot_remove answer ENODEV
 *       once it is false; init sets it after adding the devices; exit clears it and holds the mutex across the whole
 *       teardown, the multi-state removal included ({@link #zramUpGuard})</td>
 *       <td>-</td><td>yes</td><td>-</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>patch 11/12, store side: disksize_store and reset_store hold {@code zram_index_mutex} for their whole run
 *       and answer ENODEV once {@code zram_up} is false ({@link #storeGuard})</td>
 *       <td>-</td><td>yes</td><td>-</td><td><b>no</b></td><td>yes</td></tr>
 *   <tr><td>patches 09/12 + 12/12: zram's attribute groups and zram-control carry the module as owner, and kernfs takes
 *       {@code try_module_get(owner)} with every active reference ({@link #ownerReferences})</td>
 *       <td>-</td><td>yes</td><td>-</td><td>yes</td><td>-</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@link #NONE}: zram as of 5.15 (2021, before either fix), kernfs without owner references.</li>
 *   <li>{@link #SEED}: the series as posted (v8): patch 11/12 whole, 09/12, 12/12.</li>
 *   <li>{@link #UPSTREAM}: Ming Lei's four fixes as merged for 5.16 (the 6.18 kernel of the project's
 *       machines), with {@code ATTRIBUTE_GROUPS} but no owner references (the generic fix was not merged).</li>
 *   <li>{@link #ALL}: upstream's fixes, the seed's 09/12 and 12/12, and the driver half of patch 11
 *       ({@code zram_up} for hot_add/hot_remove, init and exit), but <em>not</em> patch 11's index mutex in
 *       disksize_store/reset_store. It is therefore not the literal union of SEED and UPSTREAM: with 09/12 a
 *       store in flight holds the module (rmmod answers "in use") and a store that arrives once the module is
 *       going fails at kernfs with ENODEV, so the store-side guard protects nothing more; and it is what
 *       deadlocks against hot_remove, which holds the same mutex across {@code del_gendisk} while that drains
 *       the device's files (a disksize or reset store on the device being hot-removed waits for the mutex
 *       while holding the file's active reference; lockdep reports the cycle as soon as any disksize store and
 *       any hot_remove happened, because {@code kn->active} classes are per attribute). Upstream's second reset
 *       after {@code del_gendisk} already catches a disksize that races a removal.</li>
 *   <li>{@link #PATCH11}: the seed's zram patch alone (both halves of 11/12), without its sysfs half
 *       (09/12, 12/12): where bug 2's deadlock really comes from. Module exit, holding the index mutex, drains
 *       the active reference of a store waiting for that mutex. The 2021 ({@link #NONE}) exit never held the
 *       index mutex while draining.</li>
 * </ul>
 *
 * <p>The fix sets change only the lifecycle paths: every fix set shows the 6.18 attribute ABI.
 *
 * <p><b>How a fix set is chosen.</b> The module parameter {@code fixes=none|seed|upstream|all|patch11}
 * ({@code modprobe zram fixes=seed}) selects it for one load; without it the machine's default
 * applies ({@code Machine.builder().zramFixes(...)}, {@link ZramModule#setDefaultFixes}), which is
 * {@link #UPSTREAM}, the kernel the project's machines run.
 */
public enum ZramFixes {
    NONE(false, false, false, false),
    SEED(true, true, true, false),
    UPSTREAM(false, false, false, true),
    /** See the class comment: not the literal union (no index mutex in the per-device stores). */
    ALL(true, false, true, true),
    /**
     * The seed's patch 11/12 alone, without 09/12 and 12/12 (no owner references): the kernel the
     * series' bug 2 is about. A store waiting for the index mutex holds its file's active reference
     * while module exit, holding the mutex, drains it: the deadlock ({@code fixes=patch11}).
     */
    PATCH11(true, true, false, false);

    private final boolean seed;
    private final boolean storeGuard;
    private final boolean owners;
    private final boolean upstream;

    ZramFixes(boolean seed, boolean storeGuard, boolean owners, boolean upstream) {
        this.seed = seed;
        this.storeGuard = storeGuard;
        this.owners = owners;
        this.upstream = upstream;
    }

    /** The parameter value: none, seed, upstream, all or patch11. */
    public String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fixes=} as modprobe passes it (case-insensitive). EINVAL for anything else. */
    public static ZramFixes parse(String value) {
        String v = value == null ? "" : value.strip();
        for (ZramFixes f : values()) {
            if (f.paramValue().equalsIgnoreCase(v)) {
                return f;
            }
        }
        throw new ErrnoException(Errno.EINVAL, "fixes=" + value + ": expected none, seed, upstream, all or patch11");
    }

    /**
     * Patch 11/12, driver side: the {@code zram_up} flag under {@code zram_index_mutex}; hot_add and
     * hot_remove check it, module init sets it, module exit clears it and holds the mutex to the end.
     */
    public boolean zramUpGuard() {
        return seed;
    }

    /**
     * Patch 11/12, store side: disksize_store and reset_store take {@code zram_index_mutex} for their
     * whole run and answer ENODEV once {@code zram_up} is false (SEED and PATCH11; not ALL, see the
     * class comment).
     */
    public boolean storeGuard() {
        return storeGuard;
    }

    /** Patches 09/12 + 12/12: zram's groups and class carry the owner; kernfs takes module references. */
    public boolean ownerReferences() {
        return owners;
    }

    /** 5.16 "fix race between zram_reset_device() and disksize_store()": reset holds init_lock throughout. */
    public boolean resetHoldsInitLock() {
        return upstream;
    }

    /** 5.16 "don't fail to remove zram during unloading module": removal waits for a claiming reset. */
    public boolean removeWaitsForReset() {
        return upstream;
    }

    /** 5.16 "avoid race between zram_remove and disksize_store": a second reset after del_gendisk. */
    public boolean resetAfterDelGendisk() {
        return upstream;
    }

    /** 5.16 "replace fsync_bdev with sync_blockdev". */
    public boolean syncBlockdev() {
        return upstream;
    }

    /** The reset devices of this fix set run. */
    public ResetVariant resetVariant() {
        return upstream ? ResetVariant.UPSTREAM : ResetVariant.PRE_5_16;
    }
}
