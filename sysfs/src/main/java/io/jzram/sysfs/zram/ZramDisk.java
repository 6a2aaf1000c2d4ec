// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.core.ZramControl;
import io.jzram.core.ZramDevice;
import io.jzram.sysfs.GenDisk;
import java.util.Objects;

/**
 * One zram device as the driver holds it: {@code struct zram} with its index in
 * {@code zram_index_idr} and its gendisk. The device itself (slot table, pool, compressors,
 * init_lock, claim) is jzram-core's {@link ZramDevice}, which the driver drives through its
 * {@link ZramControl}; the disk is the block layer's
 * {@link GenDisk}, whose private data is this object (what {@code dev_to_zram()} returns).
 */
public final class ZramDisk {
    private final ZramDriver driver;
    private final int id;
    private final ZramControl control;
    private volatile GenDisk disk;
    private volatile boolean removed;

    ZramDisk(ZramDriver driver, int id, ZramControl control) {
        this.driver = Objects.requireNonNull(driver);
        this.id = id;
        this.control = Objects.requireNonNull(control);
    }

    /** The driver instance (the load) this device belongs to. */
    public ZramDriver driver() {
        return driver;
    }

    /** The device id: zramN's N, the disk's first minor, the key in zram_index_idr. */
    public int id() {
        return id;
    }

    /** zramN. */
    public String name() {
        return control.device().name();
    }

    /** The device (struct zram's state and code in jzram-core). */
    public ZramDevice device() {
        return control.device();
    }

    /** The driver's handle on the device: lifecycle, claim, configuring stores, fix toggle, hooks. */
    public ZramControl control() {
        return control;
    }

    /** The gendisk (null only while zram_add builds it). */
    public GenDisk disk() {
        return disk;
    }

    void setDisk(GenDisk d) {
        this.disk = d;
    }

    /** Whether zram_remove finished with it (its disk deleted, the struct freed). */
    public boolean isRemoved() {
        return removed;
    }

    void markRemoved() {
        this.removed = true;
    }

    @Override
    public String toString() {
        return name() + (removed ? " (removed)" : "");
    }
}
