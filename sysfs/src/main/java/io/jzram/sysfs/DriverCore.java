// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.kernfs.KernfsNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver core (drivers/base/core.c and class.c), reduced to what puts devices and classes into
 * sysfs and /dev:
 *
 * <ul>
 *   <li>{@link #classRegister}: /sys/class/NAME with the class attributes ({@code class_groups});
 *       {@link #classUnregister} removes them (draining active references) and the directory.
 *   <li>{@link #deviceAdd} (device_add): the directory under its parent, or under
 *       /sys/devices/virtual/CLASS for a class device without a parent (the glue directory),
 *       {@code uevent}, {@code dev} for devices with a dev_t, the groups in device_add_attrs order
 *       (class dev_groups, type groups, the driver's dev->groups), {@code power/}
 *       ({@link DevicePower}, dpm_sysfs_add), the class symlink
 *       /sys/class/CLASS/NAME and the device's {@code subsystem} link, then the /dev node. A failure
 *       undoes what was done.
 *   <li>{@link #deviceDel} (device_del): the /dev node, the links, the groups in
 *       device_remove_attrs order (driver groups first), the files, the directory, and the glue
 *       directory once empty. Removing groups drains their files' active references: a store in
 *       flight is waited for, which is where the seed's deadlock happens when the caller holds a
 *       lock that store needs.
 * </ul>
 *
 * <p>Locking: the class registry is a concurrent map; {@code gdp_mutex} (a monitor here, not a
 * lockdep class) serialises glue directory creation with device directory creation and glue
 * cleanup. No lock of this class is held across a drain.
 */
public final class DriverCore {

    private final Sysfs sysfs;
    private final Devtmpfs devtmpfs;
    private final KObject devices;
    private final KObject virtual;
    private final KObject system;
    private final KObject classes;
    private final Map<String, DeviceClass> classRegistry = new ConcurrentHashMap<>();
    private final Object gdpMutex = new Object();
    private final Attribute<Device> uevent = ueventAttribute();

    public DriverCore(Sysfs sysfs, Devtmpfs devtmpfs) {
        this.sysfs = sysfs;
        this.devtmpfs = devtmpfs;
        this.devices = sysfs.dir(sysfs.root(), "devices");
        this.virtual = sysfs.dir(devices, "virtual");
        this.system = sysfs.dir(devices, "system");
        this.classes = sysfs.dir(sysfs.root(), "class");
    }

    public Sysfs sysfs() {
        return sysfs;
    }

    public Devtmpfs devtmpfs() {
        return devtmpfs;
    }

    /** /sys/devices. */
    public KObject devicesDir() {
        return devices;
    }

    /** /sys/devices/virtual. */
    public KObject virtualDir() {
        return virtual;
    }

    /** /sys/devices/system. */
    public KObject systemDir() {
        return system;
    }

    /** /sys/class. */
    public KObject classDir() {
        return classes;
    }

    // ---------------------------------------------------------------- classes

    /** class_register(): EEXIST when a class of that name exists. */
    public void classRegister(DeviceClass cls) {
        if (cls.registered) {
            throw new IllegalStateException(cls + " is already registered");
        }
        if (classRegistry.putIfAbsent(cls.name(), cls) != null) {
            throw new ErrnoException(Errno.EEXIST, "class " + cls.name() + " exists");
        }
        try {
            KObject kobj = sysfs.createDir(classes, cls.name());
            cls.kobject = kobj;
            try {
                sysfs.createGroups(kobj, ownedBy(cls.classGroups(), cls.owner()), cls);
            } catch (RuntimeException e) {
                sysfs.removeDir(kobj);
                throw e;
            }
            cls.registered = true;
        } catch (RuntimeException e) {
            cls.kobject = null;
            classRegistry.remove(cls.name(), cls);
            throw e;
        }
    }

    /** class_create(name): a registered class without attributes. */
    public DeviceClass classCreate(String name) {
        DeviceClass cls = DeviceClass.of(name);
        classRegister(cls);
        return cls;
    }

    /** class_destroy(). */
    public void classDestroy(DeviceClass cls) {
        classUnregister(cls);
    }

    /** class_unregister(): removes the class attributes (draining them), then /sys/class/NAME. */
    public void classUnregister(DeviceClass cls) {
        if (!cls.registered) {
            return;
        }
        KObject kobj = cls.kobject;
        sysfs.removeGroups(kobj, ownedBy(cls.classGroups(), cls.owner()));
        sysfs.removeDir(kobj);
        cls.registered = false;
        classRegistry.remove(cls.name(), cls);
    }

    /** class_create_file(): one more class attribute. */
    public void classCreateFile(DeviceClass cls, Attribute<DeviceClass> attr) {
        Attribute<DeviceClass> a = attr.owner() == null && cls.owner() != null ? attr.withOwner(cls.owner()) : attr;
        sysfs.createFile(cls.kobject, a, cls);
    }

    /** class_remove_file(). */
    public void classRemoveFile(DeviceClass cls, String name) {
        sysfs.removeFile(cls.kobject, name);
    }

    public Optional<DeviceClass> findClass(String name) {
        return Optional.ofNullable(classRegistry.get(name));
    }

    private static <T> List<AttributeGroup<T>> ownedBy(List<AttributeGroup<T>> groups, Module owner) {
        if (owner == null) {
            return groups;
        }
        List<AttributeGroup<T>> out = new ArrayList<>(groups.size());
        for (AttributeGroup<T> g : groups) {
            out.add(g.owner() == null ? g.withOwner(owner) : g);
        }
        return out;
    }

    // ---------------------------------------------------------------- devices

    /** device_add(). EEXIST when the name is taken under the parent directory. */
    public void deviceAdd(Device dev) {
        if (dev.registered || dev.kobject != null) {
            throw new IllegalStateException(dev + " is already added");
        }
        DeviceClass cls = dev.deviceClass();
        KObject kobj;
        synchronized (gdpMutex) {
            KObject parentDir;
            if (dev.parent() != null) {
                parentDir = dev.parent().kobject();
            } else if (cls != null) {
                parentDir = sysfs.dir(virtual, cls.name());
            } else {
                parentDir = virtual;
            }
            try {
                kobj = sysfs.createDir(parentDir, dev.name());
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EEXIST) {
                    sysfs.kernel().log().warn("sysfs: cannot create duplicate filename '" + parentDir.path().substring(4) + "/"
                            + dev.name() + "'");
                }
                cleanupGlue(parentDir, cls);
                throw e;
            }
        }
        dev.kobject = kobj;
        List<Runnable> undo = new ArrayList<>();
        try {
            sysfs.createFile(kobj, uevent, dev);
            if (dev.hasDevt()) {
                sysfs.createFile(kobj, DEV, dev);
            }
            if (cls != null) {
                sysfs.createGroups(kobj, cls.devGroups(), dev);
                undo.add(() -> sysfs.removeGroups(kobj, cls.devGroups()));
            }
            sysfs.createGroups(kobj, dev.typeGroups(), dev);
            undo.add(() -> sysfs.removeGroups(kobj, dev.typeGroups()));
            sysfs.createGroups(kobj, dev.groups(), dev);
            undo.add(() -> sysfs.removeGroups(kobj, dev.groups()));
            sysfs.createGroup(kobj, DevicePower.GROUP, dev);
            undo.add(() -> sysfs.removeGroup(kobj, DevicePower.GROUP));
            if (cls != null && cls.registered) {
                sysfs.createLink(kobj, cls.kobject(), "subsystem");
                sysfs.createLink(cls.kobject(), kobj, dev.name());
                undo.add(() -> sysfs.removeLink(cls.kobject(), dev.name()));
            }
            if (dev.hasDevt() && dev.nodeKind() != null) {
                DevNode node = new DevNode(dev.name(), dev.nodeKind(), dev.major(), dev.minor(), dev.nodeMode(), dev.nodeBacking());
                devtmpfs.create(node);
                dev.devNode = node;
            }
            dev.registered = true;
        } catch (RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            removeDeviceDir(dev, kobj);
            throw e;
        }
    }

    /** device_del(). */
    public void deviceDel(Device dev) {
        if (!dev.registered) {
            return;
        }
        dev.registered = false;
        KObject kobj = dev.kobject;
        DeviceClass cls = dev.deviceClass();
        DevNode node = dev.devNode;
        if (node != null) {
            devtmpfs.delete(node);
            dev.devNode = null;
        }
        if (cls != null && cls.kobject() != null) {
            sysfs.removeLink(cls.kobject(), dev.name());
        }
        sysfs.removeLink(kobj, "subsystem");
        sysfs.removeGroup(kobj, DevicePower.GROUP);
        sysfs.removeGroups(kobj, dev.groups());
        sysfs.removeGroups(kobj, dev.typeGroups());
        if (cls != null) {
            sysfs.removeGroups(kobj, cls.devGroups());
        }
        removeDeviceDir(dev, kobj);
    }

    private void removeDeviceDir(Device dev, KObject kobj) {
        sysfs.removeFile(kobj, DEV.name());
        sysfs.removeFile(kobj, uevent.name());
        sysfs.removeDir(kobj);
        dev.kobject = null;
        if (dev.parent() == null && dev.deviceClass() != null) {
            synchronized (gdpMutex) {
                cleanupGlue(kobj.parent(), dev.deviceClass());
            }
        }
    }

    /** cleanup_glue_dir(): the /sys/devices/virtual/CLASS directory goes with its last device. */
    private void cleanupGlue(KObject glue, DeviceClass cls) {
        if (cls == null || glue == null || glue.parent() != virtual) {
            return;
        }
        KernfsNode dir = glue.directory();
        if (dir.isActive() && sysfs.kernfs().list(dir).isEmpty()) {
            sysfs.removeDir(glue);
        }
    }

    // ---------------------------------------------------------------- the files every device has

    /** kobject_actions[]. */
    private static final List<String> UEVENT_ACTIONS = List.of("add", "remove", "change", "move", "online", "offline", "bind",
            "unbind");

    /**
     * uevent: shows the device's environment (a disk adds DISKSEQ, as disk_uevent does); a store
     * synthesises an event (kobject_synth_uevent: an action, optionally followed by a UUID and
     * KEY=VALUE pairs; EINVAL otherwise, with the kernel's warning). No event goes anywhere here.
     */
    private Attribute<Device> ueventAttribute() {
        return Attribute.rw("uevent", (dev, buf) -> {
        StringBuilder sb = new StringBuilder();
        if (dev.hasDevt()) {
            sb.append("MAJOR=").append(dev.major()).append('\n');
            sb.append("MINOR=").append(dev.minor()).append('\n');
            sb.append("DEVNAME=").append(dev.name()).append('\n');
        }
        if (dev.nodeKind() == DevNode.Kind.BLOCK) {
            sb.append("DEVTYPE=disk\n");
            if (dev.driverData() instanceof GenDisk disk) {
                sb.append("DISKSEQ=").append(disk.diskseq()).append('\n');
            }
        }
        return buf.emit(sb.toString());
    }, (dev, buf) -> {
        String bad = synthUeventError(buf.text());
        if (bad != null) {
            KObject k = dev.kobject();
            sysfs.kernel().log().warn("synth uevent: " + (k == null ? "unknown device" : k.path().substring(4)) + ": " + bad);
            throw new ErrnoException(Errno.EINVAL, bad);
        }
        return buf.count();
    });
    }

    /** What kobject_synth_uevent() finds wrong with {@code s}, or null when it is an event. */
    static String synthUeventError(String s) {
        int count = s.length();
        if (count > 0 && (s.charAt(count - 1) == '\n' || s.charAt(count - 1) == '\0')) {
            count--;
        }
        String text = s.substring(0, count);
        int sp = text.indexOf(' ');
        String action = sp < 0 ? text : text.substring(0, sp);
        if (text.isEmpty() || !UEVENT_ACTIONS.contains(action)) {
            return "unknown uevent action string";
        }
        if (sp < 0) {
            return null;
        }
        String args = text.substring(sp + 1);
        if (args.isEmpty() || args.length() < 36 || !args.substring(0, 36).matches(
                "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            return "incorrect uevent action arguments";
        }
        String rest = args.substring(36);
        while (!rest.isEmpty()) {
            if (rest.charAt(0) != ' ') {
                return "incorrect uevent action arguments";
            }
            rest = rest.substring(1);
            int end = rest.indexOf(' ');
            String kv = end < 0 ? rest : rest.substring(0, end);
            int eq = kv.indexOf('=');
            if (eq <= 0 || !kv.substring(0, eq).chars().allMatch(Character::isLetterOrDigit)) {
                return "incorrect uevent action arguments";
            }
            rest = end < 0 ? "" : rest.substring(end);
        }
        return null;
    }

    /** dev: MAJOR:MINOR. */
    private static final Attribute<Device> DEV = Attribute.ro("dev", (dev, buf) -> buf.emit(dev.devt() + "\n"));
}
