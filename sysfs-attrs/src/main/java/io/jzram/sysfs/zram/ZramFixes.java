package io.jzram.sysfs.zram;

import io.jzram.core.ResetVariant;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.util.Locale;

/**
 * The fix sets of the zram driver: one driver, four kernels, so the same scenario shows each bug
 * and each fix (SEED.md).
 *
 * <ul>
 *   <li>{@link #NONE}: zram as of 5.15 (2021, before either fix). Module exit does not take the
 *       index mutex ({@code zram_up} does not exist); {@code zram_remove} answers EBUSY for a device
 *       that is opened <em>or claimed by a reset in progress</em>, and module exit ignores that
 *       (the device is leaked, its files left pointing into the unloaded module); reset drops
 *       {@code init_lock} before freeing ({@link ResetVariant#PRE_5_16}); removal resets once,
 *       before {@code del_gendisk}; {@code fsync_bdev}. zram's attribute groups carry no owner.</li>
 *   <li>{@link #SEED}: NONE plus the seed's patch 11/12 (the {@code zram_up} flag under
 *       {@code zram_index_mutex}: disksize, reset, hot_add and hot_remove take the mutex and answer
 *       ENODEV once the driver is going down; module init adds the devices and sets the flag under
 *       one hold of the mutex; module exit clears the flag and holds the mutex across the whole
 *       teardown, the multi-state removal included) and patches 09/12 + 12/12 (zram's attribute
 *       groups and the zram-control class carry the module as owner, and the kernfs generic fix,
 *       try_module_get on every active reference, is switched on for the machine).</li>
 *   <li>{@link #UPSTREAM}: Ming Lei's four fixes as merged for 5.16 (the 6.18 kernel of the
 *       project's machines): reset holds {@code init_lock} throughout
 *       ({@link ResetVariant#UPSTREAM}); {@code zram_remove} answers EBUSY only for an opened device
 *       and waits for a reset that claimed it ({@code del_gendisk} drains that store); a second
 *       reset after {@code del_gendisk}; {@code sync_blockdev}; {@code ATTRIBUTE_GROUPS} without
 *       owner references (the generic fix was not merged).</li>
 *   <li>{@link #ALL}: both.</li>
 *   <li>{@link #PATCH11}: the seed's zram patch without its sysfs half, to show bug 2 (the deadlock).</li>
 * </ul>
 *
 * <p>The fix sets change only the lifecycle paths: every fix set shows the 6.18 attribute ABI.
 *
 * <p><b>How a fix set is chosen.</b> The module parameter {@code fixes=none|seed|upstream|all|patch11}
 * ({@code modprobe zram fixes=seed}, also {@code patch11}) selects it for one load; without it the machine's default
 * applies ({@code Machine.builder().zramFixes(...)}, {@link ZramModule#setDefaultFixes}), which is
 * {@link #UPSTREAM}, the kernel the project's machines run.
 */
public enum ZramFixes {
    NONE(false, false, false),
    SEED(true, true, false),
    UPSTREAM(false, false, true),
    ALL(true, true, true),
    /**
     * The seed's patch 11/12 alone, without 09/12 and 12/12 (no owner references): the kernel the
     * series' bug 2 is about. A store waiting for the index mutex holds its file's active reference
     * while module exit, holding the mutex, drains it: the deadlock ({@code fixes=patch11}).
     */
    PATCH11(true, false, false);

    private final boolean seed;
    private final boolean owners;
    private final boolean upstream;

    ZramFixes(boolean seed, boolean owners, boolean upstream) {
        this.seed = seed;
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

    /** Patch 11/12: the {@code zram_up} guard under {@code zram_index_mutex}, exit holding the mutex. */
    public boolean zramUpGuard() {
        return seed;
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
