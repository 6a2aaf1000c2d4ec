// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.Mutex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The block layer's registry of disks (block/genhd.c, block/blk-sysfs.c):
 *
 * <ul>
 *   <li>{@link #registerBlkdev}/{@link #unregisterBlkdev}: block majors (0 asks for a dynamic one,
 *       counted down from 254 as find_dynamic_major does).
 *   <li>{@link #addDisk} (device_add_disk): the disk's device in class {@code block} at
 *       /sys/devices/virtual/block/NAME (with /sys/class/block/NAME and /sys/block/NAME symlinks),
 *       the block core's files ({@link BlkSysfs#DISK_ATTRS}: {@code size}, {@code stat},
 *       {@code inflight}, {@code ro}, {@code events}, ...; {@code trace/}, {@link BlkTrace}), the
 *       driver's groups, {@code power/}, {@code holders/} and {@code slaves/}, {@code queue/}
 *       ({@link BlkSysfs#QUEUE_ATTRS} over the disk's {@link RequestQueue}), the bdi device
 *       /sys/devices/virtual/bdi/MAJ:MIN ({@link Bdi}) with the disk's {@code bdi} link, and
 *       /dev/NAME (mode 0660) reaching the disk's {@link BlockDevice}.
 *   <li>{@link #delGendisk}: {@code queue/}, the bdi, {@code holders/} and {@code slaves/}, the
 *       /sys/block link, then device_del, which removes /dev/NAME and the groups (draining every
 *       store in flight).
 * </ul>
 *
 * <p>Locking: {@code major_names_lock} (a lockdep-visible mutex) guards the majors; the disk map is
 * concurrent. add/del of one disk are not meant to race each other (the driver serialises them,
 * as zram does with its index mutex).
 */
public final class BlockLayer {

    private final DriverCore core;
    private final Sysfs sysfs;
    private final DeviceClass blockClass = DeviceClass.of("block");
    private final DeviceClass bdiClass = DeviceClass.of("bdi");
    private final KObject sysBlock;
    private final Mutex majorNamesLock;
    private final Map<Integer, String> majors = new TreeMap<>();
    private final ConcurrentSkipListMap<String, GenDisk> disks = new ConcurrentSkipListMap<>();
    private final AtomicLong diskseq = new AtomicLong(1);

    public BlockLayer(Kernel kernel, DriverCore core) {
        this.core = core;
        this.sysfs = core.sysfs();
        this.majorNamesLock = new Mutex(kernel, "major_names_lock");
        core.classRegister(bdiClass);
        core.classRegister(blockClass);
        this.sysBlock = sysfs.dir(sysfs.root(), "block");
    }

    public DeviceClass blockClass() {
        return blockClass;
    }

    /** register_blkdev(): the major given, or a dynamic one for 0; EBUSY when taken or none is left. */
    public int registerBlkdev(int major, String name) {
        majorNamesLock.lock();
        try {
            if (major == 0) {
                for (int m = 254; m > 0; m--) {
                    if (!majors.containsKey(m)) {
                        majors.put(m, name);
                        return m;
                    }
                }
                throw new ErrnoException(Errno.EBUSY, "no dynamic block major left for " + name);
            }
            if (major < 0 || major > 511) {
                throw new ErrnoException(Errno.EINVAL, "block major " + major + " is out of range");
            }
            if (majors.containsKey(major)) {
                throw new ErrnoException(Errno.EBUSY, "block major " + major + " is taken by " + majors.get(major));
            }
            majors.put(major, name);
            return major;
        } finally {
            majorNamesLock.unlock();
        }
    }

    /** unregister_blkdev(). */
    public void unregisterBlkdev(int major, String name) {
        majorNamesLock.lock();
        try {
            String owner = majors.get(major);
            if (owner == null || !owner.equals(name)) {
                sysfs.kernel().log().warnSplat("block/genhd.c:273 unregister_blkdev",
                        "unregister_blkdev: major " + major + " is not registered to " + name);
                return;
            }
            majors.remove(major);
        } finally {
            majorNamesLock.unlock();
        }
    }

    /** The block majors in use, by number. */
    public Map<Integer, String> majors() {
        majorNamesLock.lock();
        try {
            return Map.copyOf(majors);
        } finally {
            majorNamesLock.unlock();
        }
    }

    /** blk_alloc_disk() + the fields a driver sets before adding it. */
    public GenDisk allocDisk(String name, int major, int firstMinor, BlockDevice driverDevice, QueueLimits limits,
            io.jzram.kernel.module.Module owner, Object privateData) {
        if (name.length() > 31) {
            throw new ErrnoException(Errno.EINVAL, "disk name " + name + " is longer than DISK_NAME_LEN");
        }
        return new GenDisk(name, major, firstMinor, driverDevice, limits, owner, privateData, diskseq.getAndIncrement());
    }

    /** device_add_disk(NULL, disk, groups). EEXIST when a disk of that name exists. */
    public void addDisk(GenDisk disk, List<AttributeGroup<Device>> groups) {
        if (disk.state != GenDisk.State.ALLOCATED) {
            throw new IllegalStateException(disk + " cannot be added again");
        }
        if (disks.putIfAbsent(disk.name(), disk) != null) {
            throw new ErrnoException(Errno.EEXIST, "disk " + disk.name() + " exists");
        }
        Device dev = Device.builder(disk.name()).deviceClass(blockClass)
                .devt(disk.major(), disk.firstMinor(), DevNode.Kind.BLOCK, 0660, disk)
                .typeGroups(DISK_ATTR_GROUPS).groups(groups).driverData(disk).build();
        disk.device = dev;
        disk.state = GenDisk.State.ADDED;
        try {
            core.deviceAdd(dev);
        } catch (RuntimeException e) {
            disk.state = GenDisk.State.ALLOCATED;
            disk.device = null;
            disks.remove(disk.name(), disk);
            throw e;
        }
        sysfs.createLink(sysBlock, dev.kobject(), disk.name());
        disk.holdersDir = sysfs.createDir(dev.kobject(), "holders");
        disk.slavesDir = sysfs.createDir(dev.kobject(), "slaves");
        KObject queue = sysfs.createDir(dev.kobject(), "queue");
        sysfs.createGroup(queue, BlkSysfs.QUEUE_ATTRS, disk);
        disk.queueDir = queue;
        Bdi bdi = new Bdi(disk);
        Device bdiDev = Device.builder(bdi.name()).deviceClass(bdiClass).typeGroups(Bdi.GROUPS).driverData(bdi).build();
        core.deviceAdd(bdiDev);
        disk.bdiDevice = bdiDev;
        sysfs.createLink(dev.kobject(), bdiDev.kobject(), "bdi");
    }

    /** del_gendisk(): queue/, /sys/block/NAME, then the device (and its groups, drained). */
    public void delGendisk(GenDisk disk) {
        if (disk.state != GenDisk.State.ADDED) {
            return;
        }
        disk.state = GenDisk.State.DELETED;
        KObject queue = disk.queueDir;
        if (queue != null) {
            sysfs.removeGroup(queue, BlkSysfs.QUEUE_ATTRS);
            sysfs.removeDir(queue);
            disk.queueDir = null;
        }
        Device bdiDev = disk.bdiDevice;
        if (bdiDev != null) {
            sysfs.removeLink(disk.device.kobject(), "bdi");
            core.deviceDel(bdiDev);
            disk.bdiDevice = null;
        }
        for (KObject k : new KObject[] {disk.holdersDir, disk.slavesDir}) {
            if (k != null) {
                sysfs.removeDir(k);
            }
        }
        disk.holdersDir = null;
        disk.slavesDir = null;
        sysfs.removeLink(sysBlock, disk.name());
        core.deviceDel(disk.device);
        disks.remove(disk.name(), disk);
    }

    public Optional<GenDisk> find(String name) {
        return Optional.ofNullable(disks.get(name));
    }

    /** The disks added and not deleted, by name. */
    public List<GenDisk> disks() {
        return new ArrayList<>(disks.values());
    }

    // ---------------------------------------------------------------- the block core's files

    /** disk_attr_groups (block/genhd.c): disk_attr_group and blk_trace_attr_group ({@code trace/}). */
    static final List<AttributeGroup<Device>> DISK_ATTR_GROUPS = List.of(AttributeGroup.attributeGroups(null,
            BlkSysfs.DISK_ATTRS).get(0), BlkTrace.GROUP);
}
