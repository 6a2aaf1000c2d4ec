// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.module.Module;
import java.util.List;
import java.util.Objects;

/**
 * struct miscdevice: a name, a minor (or {@link #DYNAMIC_MINOR}), the device's attribute groups, the
 * file operations of its /dev node (may be null: opening the node then answers ENODEV, as
 * misc_open does) with their owner module, and the driver's own data (what container_of would
 * reach from the miscdevice). Registered with {@link MiscRegistry#register}.
 */
public final class MiscDevice {

    /** MISC_DYNAMIC_MINOR. */
    public static final int DYNAMIC_MINOR = 255;

    private final String name;
    private final int requestedMinor;
    private final List<AttributeGroup<Device>> groups;
    private final CharDevice fops;
    private final Module owner;
    private final Object privateData;
    volatile int minor = -1;
    volatile Device thisDevice;

    public MiscDevice(String name, int minor, List<AttributeGroup<Device>> groups, CharDevice fops, Module owner,
            Object privateData) {
        this.name = Objects.requireNonNull(name);
        this.requestedMinor = minor;
        this.groups = groups == null ? List.of() : List.copyOf(groups);
        this.fops = fops;
        this.owner = owner;
        this.privateData = privateData;
    }

    /** A misc device with a dynamic minor and no file operations. */
    public static MiscDevice of(String name, List<AttributeGroup<Device>> groups, Module owner, Object privateData) {
        return new MiscDevice(name, DYNAMIC_MINOR, groups, null, owner, privateData);
    }

    public String name() {
        return name;
    }

    int requestedMinor() {
        return requestedMinor;
    }

    /** The minor in use once registered (-1 before). */
    public int minor() {
        return minor;
    }

    public List<AttributeGroup<Device>> groups() {
        return groups;
    }

    /** The /dev node's file operations, or null. */
    public CharDevice fops() {
        return fops;
    }

    /** fops->owner. */
    public Module owner() {
        return owner;
    }

    public Object privateData() {
        return privateData;
    }

    public <P> P privateData(Class<P> type) {
        return type.cast(privateData);
    }

    /** misc->this_device once registered. */
    public Device thisDevice() {
        return thisDevice;
    }

    @Override
    public String toString() {
        return "misc " + name + (minor >= 0 ? " (10:" + minor + ")" : "");
    }
}
