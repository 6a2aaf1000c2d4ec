// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import java.util.List;
import java.util.Objects;

/**
 * struct device, the part the emulator models: a name, an optional class and parent, an optional
 * dev_t with the /dev node it gets, the attribute groups of its type (the block core's disk
 * attributes) and of its driver ({@code dev->groups}), and the driver's data
 * ({@code dev_get_drvdata}). Built with {@link #builder}, registered with {@link DriverCore#deviceAdd}
 * and removed with {@link DriverCore#deviceDel}; a Device is registered at most once.
 */
public final class Device {

    private final String name;
    private final DeviceClass deviceClass;
    private final Device parent;
    private final int major;
    private final int minor;
    private final DevNode.Kind nodeKind;
    private final int nodeMode;
    private final Object nodeBacking;
    private final List<AttributeGroup<Device>> typeGroups;
    private final List<AttributeGroup<Device>> groups;
    private final Object driverData;
    volatile KObject kobject;
    volatile DevNode devNode;
    volatile boolean registered;
    /** power/control: "on" (pm_runtime_forbid) rather than "auto". */
    volatile boolean runtimeForbidden;

    private Device(Builder b) {
        this.name = b.name;
        this.deviceClass = b.deviceClass;
        this.parent = b.parent;
        this.major = b.major;
        this.minor = b.minor;
        this.nodeKind = b.nodeKind;
        this.nodeMode = b.nodeMode;
        this.nodeBacking = b.nodeBacking;
        this.typeGroups = List.copyOf(b.typeGroups);
        this.groups = List.copyOf(b.groups);
        this.driverData = b.driverData;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** dev_name(). */
    public String name() {
        return name;
    }

    public DeviceClass deviceClass() {
        return deviceClass;
    }

    public Device parent() {
        return parent;
    }

    /** Whether the device has a dev_t (and so a {@code dev} file and a /dev node). */
    public boolean hasDevt() {
        return major >= 0;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    /** {@code MAJOR:MINOR} as the dev file shows it. */
    public String devt() {
        return major + ":" + minor;
    }

    DevNode.Kind nodeKind() {
        return nodeKind;
    }

    int nodeMode() {
        return nodeMode;
    }

    Object nodeBacking() {
        return nodeBacking;
    }

    public List<AttributeGroup<Device>> typeGroups() {
        return typeGroups;
    }

    /** dev->groups: the driver's attribute groups. */
    public List<AttributeGroup<Device>> groups() {
        return groups;
    }

    /** dev_get_drvdata(). */
    public Object driverData() {
        return driverData;
    }

    /** dev_get_drvdata() cast to what the driver put there. */
    public <D> D driverData(Class<D> type) {
        return type.cast(driverData);
    }

    /** The device's directory, once added. */
    public KObject kobject() {
        return kobject;
    }

    /** The /dev node, once added (null for devices without one). */
    public DevNode devNode() {
        return devNode;
    }

    public boolean isRegistered() {
        return registered;
    }

    /** dev_driver_string(): the class name for class devices without a driver. */
    public String driverString() {
        return deviceClass == null ? "" : deviceClass.name();
    }

    /** The prefix dev_info() puts before a message: {@code "block zram0: "}. */
    public String logPrefix() {
        return driverString() + " " + name + ": ";
    }

    @Override
    public String toString() {
        return kobject == null ? "device " + name : kobject.path();
    }

    /** What device_initialize + the fields a driver fills before device_add would set. */
    public static final class Builder {
        private final String name;
        private DeviceClass deviceClass;
        private Device parent;
        private int major = -1;
        private int minor = -1;
        private DevNode.Kind nodeKind;
        private int nodeMode = 0600;
        private Object nodeBacking;
        private List<AttributeGroup<Device>> typeGroups = List.of();
        private List<AttributeGroup<Device>> groups = List.of();
        private Object driverData;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        public Builder deviceClass(DeviceClass c) {
            this.deviceClass = c;
            return this;
        }

        public Builder parent(Device p) {
            this.parent = p;
            return this;
        }

        /** A dev_t and the /dev node it gets: kind, mode, and what opening the node reaches. */
        public Builder devt(int major, int minor, DevNode.Kind kind, int mode, Object backing) {
            this.major = major;
            this.minor = minor;
            this.nodeKind = kind;
            this.nodeMode = mode;
            this.nodeBacking = backing;
            return this;
        }

        public Builder typeGroups(List<AttributeGroup<Device>> g) {
            this.typeGroups = g == null ? List.of() : g;
            return this;
        }

        public Builder groups(List<AttributeGroup<Device>> g) {
            this.groups = g == null ? List.of() : g;
            return this;
        }

        public Builder driverData(Object data) {
            this.driverData = data;
            return this;
        }

        public Device build() {
            return new Device(this);
        }
    }
}
