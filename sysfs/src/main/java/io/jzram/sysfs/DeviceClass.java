// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.module.Module;
import java.util.List;
import java.util.Objects;

/**
 * struct class: a name (its directory is /sys/class/NAME), class attributes
 * ({@code class_groups}, e.g. zram-control's hot_add and hot_remove), the groups every device of
 * the class gets ({@code dev_groups}) and, for the generic fix, the module that registered it
 * (used as the owner of class files whose attribute and group name none). Registered with
 * {@link DriverCore#classRegister}.
 */
public final class DeviceClass {

    private final String name;
    private final List<AttributeGroup<DeviceClass>> classGroups;
    private final List<AttributeGroup<Device>> devGroups;
    private final Module owner;
    volatile KObject kobject;
    volatile boolean registered;

    private DeviceClass(String name, List<AttributeGroup<DeviceClass>> classGroups, List<AttributeGroup<Device>> devGroups,
            Module owner) {
        this.name = Objects.requireNonNull(name);
        this.classGroups = classGroups == null ? List.of() : List.copyOf(classGroups);
        this.devGroups = devGroups == null ? List.of() : List.copyOf(devGroups);
        this.owner = owner;
    }

    /** class_create(name): a class with no attributes. */
    public static DeviceClass of(String name) {
        return new DeviceClass(name, List.of(), List.of(), null);
    }

    /** A static struct class with class attributes ({@code .class_groups}) and an owner. */
    public static DeviceClass of(String name, List<AttributeGroup<DeviceClass>> classGroups, Module owner) {
        return new DeviceClass(name, classGroups, List.of(), owner);
    }

    /** A class with class attributes and per-device groups. */
    public static DeviceClass of(String name, List<AttributeGroup<DeviceClass>> classGroups,
            List<AttributeGroup<Device>> devGroups, Module owner) {
        return new DeviceClass(name, classGroups, devGroups, owner);
    }

    public String name() {
        return name;
    }

    public List<AttributeGroup<DeviceClass>> classGroups() {
        return classGroups;
    }

    public List<AttributeGroup<Device>> devGroups() {
        return devGroups;
    }

    public Module owner() {
        return owner;
    }

    /** /sys/class/NAME once registered. */
    public KObject kobject() {
        return kobject;
    }

    public boolean isRegistered() {
        return registered;
    }

    @Override
    public String toString() {
        return "class " + name;
    }
}
