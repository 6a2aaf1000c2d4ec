// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.core.ZramControl;
import io.jzram.core.ZramDevice;
import io.jzram.core.ZramHook;
import io.jzram.core.ZramHost;
import io.jzram.core.ZramMemory;
import io.jzram.core.Zcomp;
import io.jzram.core.backend.ZcompBackends;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import io.jzram.sysfs.Attribute;
import io.jzram.sysfs.AttributeGroup;
import io.jzram.sysfs.Device;
import io.jzram.sysfs.DeviceClass;
import io.jzram.sysfs.GenDisk;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.QueueLimits;
import io.jzram.sysfs.StoreBuffer;
import io.jzram.sysfs.kernfs.PageBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The zram driver, one instance per load of the module: the file-scope code and state of
 * drivers/block/zram/zram_drv.c ({@code zram_init}, {@code zram_exit}/{@code destroy_devices},
 * {@code zram_add}, {@code zram_remove}, the {@code zram-control} class with {@code hot_add} and
 * {@code hot_remove}, {@code zram_index_idr} under {@code zram_index_mutex}, the seed's
 * {@code zram_up}), in the {@link ZramFixes fix set} chosen for the load (its class comment has the
 * table of what each set switches on). The attribute files of
 * each device are {@link ZramAttributes}; the devices themselves are jzram-core's
 * {@link ZramDevice}s.
 *
 * <h2>Module init and exit</h2>
 * init: the {@code block/zram:prepare} multi state (owned by this module, so a callback reaching it
 * after unload oopses), {@code class_register(zram-control)}, {@code register_blkdev(0, "zram")},
 * then {@code num_devices} devices, each added under the index mutex (with the seed's fix: all of
 * them under one hold, then {@code zram_up = true}). A failure undoes what was done, in the kernel's
 * order. exit ({@code destroy_devices}): with the seed's fix take the index mutex and clear
 * {@code zram_up}, holding it to the end; unregister zram-control; {@code zram_remove} every device
 * in id order (a failure is ignored before 5.16, the device left behind; WARNed about after);
 * forget the ids; unregister the block major; remove the multi state (which WARNs
 * {@code Error: Removing state 57 which has instances left.} if a compressor is still registered).
 *
 * <h2>Locking</h2>
 * {@code zram_index_mutex} ({@link #indexMutex()}, a lockdep-visible kernel mutex) guards the id
 * map and {@code zram_up}; hot_add and hot_remove hold it across {@code zram_add}/{@code zram_remove}
 * (so del_gendisk drains a device's files under it). Per device, jzram-core's {@code init_lock} and
 * the disk's {@code open_mutex} (openers, claim). Readers of {@link #devices()} need no lock.
 *
 * <h2>Hooks</h2>
 * {@link ZramDriverHook} points, installed on the {@link ZramModule}, run at the documented places.
 */
public final class ZramDriver implements ModuleLoader.ModuleCode {

    /** Block device name and the class directory. */
    static final String CONTROL_CLASS = "zram-control";

    private static final ZramMemory NOTHING = new ZramMemory(0, 0, 0, 0, 0);

    private final ZramModule module;
    private final Machine machine;
    private final Module self;
    private final Kernel kernel;
    private final KernelLog.Printer log;
    private final ZramKconfig kconfig;
    private final Mutex indexMutex;
    private final ConcurrentSkipListMap<Integer, ZramDisk> idr = new ConcurrentSkipListMap<>();
    private final List<ZramDisk> leaked = new CopyOnWriteArrayList<>();
    private final List<ZramDisk> removedHolding = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong removedCount = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicBoolean removeCbWarned = new AtomicBoolean();
    private final AtomicBoolean claimWarned = new AtomicBoolean();
    private volatile ZramFixes fixes;
    private volatile boolean zramUp; // written under indexMutex
    private long numDevices = 1;
    private volatile ZramHost host;
    private volatile int major;
    private volatile DeviceClass controlClass;
    private volatile List<AttributeGroup<Device>> diskGroups;
    private volatile boolean stateRegistered;

    ZramDriver(ZramModule module, Machine machine, Module self) {
        this.module = module;
        this.machine = machine;
        this.self = self;
        this.kernel = machine.kernel();
        this.log = kernel.log().prefixed("zram");
        this.kconfig = module.kconfig();
        this.fixes = module.defaultFixes();
        this.indexMutex = new Mutex(kernel, "zram_index_mutex");
    }

    // ================================================================ accessors

    /** The module this driver is the code of (THIS_MODULE). */
    public Module self() {
        return self;
    }

    public ZramModule module() {
        return module;
    }

    public Machine machine() {
        return machine;
    }

    /** The fix set of this load. */
    public ZramFixes fixes() {
        return fixes;
    }

    public ZramKconfig kconfig() {
        return kconfig;
    }

    /** {@code zram_index_mutex}. */
    public Mutex indexMutex() {
        return indexMutex;
    }

    /** The seed's {@code zram_up} (always false without the seed's fix, which has no such flag). */
    public boolean isUp() {
        return zramUp;
    }

    /** What the devices share: backends, default compressor, the compressors' stream accounting. */
    public ZramHost host() {
        return host;
    }

    /** The block major of "zram" (0 before init registered it). */
    public int major() {
        return major;
    }

    /** The devices in {@code zram_index_idr}, by id. */
    public List<ZramDisk> devices() {
        return new ArrayList<>(idr.values());
    }

    /** The device with this id, if it is registered. */
    public Optional<ZramDisk> device(int id) {
        return Optional.ofNullable(idr.get(id));
    }

    /** Devices module exit could not remove (before 5.16: claimed by a reset in progress), left registered. */
    public List<ZramDisk> leakedDevices() {
        return List.copyOf(leaked);
    }

    /** How many devices zram_remove finished with (hot_remove or exit). */
    public long removedDevices() {
        return removedCount.get();
    }

    /**
     * Removed devices that still hold memory (a disksize that slipped in between the last reset
     * and del_gendisk, before 5.16): leaked, as the kernel leaked them.
     */
    public List<ZramDisk> removedDevicesHoldingMemory() {
        return List.copyOf(removedHolding);
    }

    /**
     * Memory the devices of this load still hold: every registered, leaked or removed device's
     * pool, table, streams and backing bitmap (a removed device holds something only when a
     * disksize slipped in after its last reset), plus stream bytes of compressors no device knows
     * any more (leaked by a reset or removal race). All zero after a clean unload.
     */
    public ZramMemory memoryHeld() {
        long pool = 0;
        long pages = 0;
        long table = 0;
        long streams = 0;
        long bitmap = 0;
        List<ZramDisk> all = new ArrayList<>(idr.values());
        all.addAll(leaked);
        all.addAll(removedHolding);
        for (ZramDisk z : all) {
            ZramMemory m = z.device().memory();
            pool += m.poolReservedBytes();
            pages += m.poolPages();
            table += m.tableHeapBytes();
            streams += m.streamBytes();
            bitmap += m.backingBitmapBytes();
        }
        ZramHost h = host;
        if (h != null) {
            streams = Math.max(streams, h.streamBytes());
        }
        return new ZramMemory(pool, pages, table, streams, bitmap);
    }

    @Override
    public String toString() {
        return "zram driver (" + self.state() + ", fixes=" + fixes.paramValue() + ", " + idr.size() + " devices)";
    }

    // ================================================================ module init / exit

    @Override
    public void init() {
        try {
            parseParams(self.params());
            doInit();
        } catch (RuntimeException | Error e) {
            module.driverGone(this);
            throw e;
        }
    }

    private void parseParams(Map<String, String> params) {
        for (Map.Entry<String, String> e : params.entrySet()) {
            String key = e.getKey();
            String val = e.getValue() == null ? "" : e.getValue();
            try {
                switch (key) {
                    case "num_devices" -> numDevices = Kstrtox.kstrtouint(val, 0);
                    case "fixes" -> fixes = ZramFixes.parse(val);
                    default -> { }
                }
            } catch (ErrnoException ex) {
                kernel.log().warn("zram: `" + val + "' invalid for parameter `" + key + "'");
                throw new ErrnoException(Errno.EINVAL, "invalid value '" + val + "' for parameter " + key);
            }
        }
    }

    private void doInit() {
        ZramFixes f = fixes;
        if (f.ownerReferences() && !machine.ownerReferenceFix()) {
            machine.setOwnerReferenceFix(true);
            kernel.log().notice("zram: fixes=" + f.paramValue() + ": kernfs owner references (the seed's patch 09/12) switched on");
        }
        ZcompBackends backends = module.backends();
        ZramHost.Builder hb = ZramHost.builder(machine.hotplug()).backends(backends).resetVariant(f.resetVariant());
        String dflt = kconfig.defaultCompressor();
        if (dflt != null && backends.find(dflt).isPresent()) {
            hb.defaultCompressor(dflt); // else the emulator's default (ZcompBackends.defaultBackend)
        }
        host = hb.build();
        diskGroups = ZramAttributes.groups(kconfig, f.ownerReferences() ? self : null);

        Zcomp.setupState(machine.hotplug(), self);
        stateRegistered = true;

        DeviceClass cls = DeviceClass.of(CONTROL_CLASS, List.of(AttributeGroup.of(
                Attribute.<DeviceClass>roMode("hot_add", 0400, (c, buf) -> hotAddShow(buf)),
                Attribute.<DeviceClass>wo("hot_remove", (c, buf) -> hotRemoveStore(buf)))),
                f.ownerReferences() ? self : null);
        try {
            machine.driverCore().classRegister(cls);
        } catch (ErrnoException e) {
            log.err("Unable to register zram-control class");
            removeState();
            throw e;
        }
        controlClass = cls;

        try {
            major = machine.blockLayer().registerBlkdev(0, "zram");
        } catch (ErrnoException e) {
            log.err("Unable to get major number");
            machine.driverCore().classUnregister(cls);
            removeState();
            throw new ErrnoException(Errno.EBUSY, "no block major for zram", e);
        }

        if (f.zramUpGuard()) {
            indexMutex.lock();
            try {
                while (numDevices != 0) {
                    zramAdd();
                    numDevices--;
                }
                zramUp = true;
            } catch (RuntimeException e) {
                indexMutex.unlock();
                destroyDevices();
                throw e;
            }
            indexMutex.unlock();
        } else {
            while (numDevices != 0) {
                indexMutex.lock();
                try {
                    zramAdd();
                } catch (RuntimeException e) {
                    indexMutex.unlock();
                    destroyDevices();
                    throw e;
                }
                indexMutex.unlock();
                numDevices--;
            }
        }
    }

    @Override
    public void exit() {
        try {
            destroyDevices();
        } finally {
            module.driverGone(this);
        }
    }

    /** destroy_devices(). */
    private void destroyDevices() {
        boolean locked = false;
        if (fixes.zramUpGuard()) {
            indexMutex.lock();
            locked = true;
            zramUp = false;
        }
        try {
            hook(ZramDriverHook.EXIT_START, null);
            DeviceClass cls = controlClass;
            if (cls != null) {
                machine.driverCore().classUnregister(cls);
            }
            hook(ZramDriverHook.EXIT_CONTROL_GONE, null);
            for (ZramDisk z : idr.values()) {
                try {
                    zramRemove(z);
                } catch (ErrnoException e) {
                    // zram_remove_cb: ignored before 5.16 (the device stays registered, its memory
                    // and files with it); WARN_ON_ONCE(zram_remove(ptr)) after.
                    leaked.add(z);
                    if (fixes.removeWaitsForReset() && removeCbWarned.compareAndSet(false, true)) {
                        kernel.log().warnSplat("drivers/block/zram/zram_drv.c:2873 zram_remove_cb",
                                "zram: " + z.name() + ": zram_remove() = " + e.errno().negative());
                    }
                }
            }
            idr.clear();
            hook(ZramDriverHook.EXIT_DEVICES_REMOVED, null);
            if (major > 0) {
                machine.blockLayer().unregisterBlkdev(major, "zram");
                major = 0;
            }
            removeState();
            hook(ZramDriverHook.EXIT_DONE, null);
        } finally {
            if (locked) {
                indexMutex.unlock();
            }
        }
    }

    private void removeState() {
        if (stateRegistered) {
            stateRegistered = false;
            Zcomp.removeState(machine.hotplug());
        }
    }

    // ================================================================ devices

    /** zram_add(): the lowest free id; called with the index mutex held. Returns the id. */
    private int zramAdd() {
        int id = 0;
        while (idr.containsKey(id)) {
            id++;
        }
        String name = "zram" + id;
        ZramControl ctl = host.create(name);
        ctl.setResetVariant(fixes.resetVariant());
        for (Map.Entry<ZramHook, Consumer<ZramDevice>> h : module.deviceHooks().entrySet()) {
            ctl.setHook(h.getKey(), h.getValue());
        }
        ZramDevice dev = ctl.device();
        ZramDisk z = new ZramDisk(this, id, ctl);
        idr.put(id, z);
        try {
            GenDisk disk = machine.blockLayer().allocDisk(name, major, id, dev, QueueLimits.zram(), self, z);
            disk.setStatSource(() -> dev.blockStat().sysfsLine());
            z.setDisk(disk);
            machine.blockLayer().addDisk(disk, diskGroups);
        } catch (RuntimeException e) {
            idr.remove(id, z);
            throw e;
        }
        log.info("Added device: " + name);
        return id;
    }

    /**
     * zram_remove(): EBUSY while the device is open; before 5.16 also while a reset claims it.
     * Otherwise claim, sync, reset, log, del_gendisk (draining the device's files), and with the
     * 5.16 fixes reset once more.
     */
    private void zramRemove(ZramDisk z) {
        ZramControl d = z.control();
        boolean claimed;
        if (fixes.removeWaitsForReset()) {
            claimed = d.claimForRemoval();
        } else {
            d.tryClaim();
            claimed = false;
        }
        hook(ZramDriverHook.REMOVE_CLAIMED, z);
        if (!claimed) {
            d.sync(); // sync_blockdev (5.16+) or fsync_bdev (before): both only order here
            d.resetDevice();
        }
        log.info("Removed device: " + z.name());
        hook(ZramDriverHook.REMOVE_BEFORE_DEL_GENDISK, z);
        machine.blockLayer().delGendisk(z.disk());
        if (fixes.resetAfterDelGendisk()) {
            if (claimed && d.isClaimed() && claimWarned.compareAndSet(false, true)) {
                kernel.log().warnSplat("drivers/block/zram/zram_drv.c:2826 zram_remove", "");
            }
            d.resetDevice();
        }
        z.markRemoved();
        removedCount.incrementAndGet();
        if (!d.device().memory().equals(NOTHING) || d.device().isInitialised()) {
            removedHolding.add(z);
        }
        hook(ZramDriverHook.REMOVE_DONE, z);
    }

    // ================================================================ zram-control

    /** hot_add_show: every read adds a device and prints its id. */
    private int hotAddShow(PageBuffer buf) {
        self.enterText("hot_add_show");
        int id;
        indexMutex.lock();
        try {
            if (fixes.zramUpGuard() && !zramUp) {
                throw new ErrnoException(Errno.ENODEV, "zram is going down");
            }
            hook(ZramDriverHook.HOT_ADD_LOCKED, null);
            id = zramAdd();
        } finally {
            indexMutex.unlock();
        }
        return buf.emit(id + "\n");
    }

    /** hot_remove_store: kstrtoint base 10; negative EINVAL; unknown id ENODEV; open EBUSY. */
    private int hotRemoveStore(StoreBuffer buf) {
        self.enterText("hot_remove_store");
        int devId = Kstrtox.kstrtoint(buf.text(), 10);
        if (devId < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative device id " + devId);
        }
        indexMutex.lock();
        try {
            if (fixes.zramUpGuard() && !zramUp) {
                throw new ErrnoException(Errno.ENODEV, "zram is going down");
            }
            hook(ZramDriverHook.HOT_REMOVE_LOCKED, null);
            ZramDisk z = idr.get(devId);
            if (z == null) {
                throw new ErrnoException(Errno.ENODEV, "no zram" + devId);
            }
            zramRemove(z);
            idr.remove(devId, z);
        } finally {
            indexMutex.unlock();
        }
        return buf.count();
    }

    /**
     * hot_add without sysfs (for Java callers): the id of the new device. The same locking and
     * errors as reading {@code /sys/class/zram-control/hot_add}.
     */
    public int hotAdd() {
        PageBuffer page = PageBuffer.standalone(kernel.log());
        int n = hotAddShow(page);
        return Integer.parseInt(page.text(n).strip());
    }

    /** hot_remove without sysfs (for Java callers), with the store's locking and errors. */
    public void hotRemove(int id) {
        hotRemoveStore(StoreBuffer.of(Integer.toString(id)));
    }

    // ================================================================ for the attributes

    /**
     * Patch 11/12's guard in disksize_store/reset_store ({@link ZramFixes#storeGuard}: SEED and
     * PATCH11, not ALL): takes the index mutex; ENODEV once zram is going down.
     */
    boolean lockIfGuarded() {
        if (!fixes.storeGuard()) {
            return false;
        }
        indexMutex.lock();
        if (!zramUp) {
            indexMutex.unlock();
            throw new ErrnoException(Errno.ENODEV, "zram is going down");
        }
        return true;
    }

    void unlockIfGuarded(boolean locked) {
        if (locked) {
            indexMutex.unlock();
        }
    }

    /** Entry into this module's text (a show/store of a device, a callback): oopses after unload. */
    void enter(String symbol) {
        self.enterText(symbol);
    }

    CpuHotplug hotplug() {
        return machine.hotplug();
    }

    void hook(ZramDriverHook point, ZramDisk z) {
        Consumer<ZramHookSite> h = module.hook(point);
        if (h != null) {
            h.accept(new ZramHookSite(point, this, z));
        }
    }
}
