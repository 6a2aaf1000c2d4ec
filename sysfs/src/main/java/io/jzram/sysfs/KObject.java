// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.sysfs.kernfs.KernfsNode;

/**
 * The part of struct kobject that sysfs needs: a name, a parent and the directory ({@code kobj->sd})
 * that represents it under /sys. Devices, classes and plain directories (/sys/block, the CPU
 * directories) each have one. Made and removed by {@link Sysfs}.
 */
public final class KObject {

    private final String name;
    private final KObject parent;
    private final KernfsNode directory;

    KObject(String name, KObject parent, KernfsNode directory) {
        this.name = name;
        this.parent = parent;
        this.directory = directory;
    }

    public String name() {
        return name;
    }

    /** The parent kobject (null for the sysfs root). */
    public KObject parent() {
        return parent;
    }

    /** kobj->sd. */
    public KernfsNode directory() {
        return directory;
    }

    /** The path under /sys, e.g. {@code /sys/devices/virtual/block/zram0}. */
    public String path() {
        String p = directory.path();
        return p.equals("/") ? "/sys" : "/sys" + p;
    }

    @Override
    public String toString() {
        return path();
    }
}
