// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import io.jzram.sysfs.kernfs.KernfsFailureInjection;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsRoot;
import io.jzram.sysfs.testsysfs.TestSysfsModule;
import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import io.jzram.sysfs.zram.ZramModule;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One emulated machine, and the composition root of everything in it: a {@link Kernel} (log,
 * lockdep, hung-task watchdog, module loader), its CPUs ({@link CpuHotplug}), sysfs at /sys (with
 * debugfs at /sys/kernel/debug), devtmpfs at /dev, the driver core with the {@code misc} and
 * {@code block} classes, and the global locks drivers share ({@code rtnl_mutex},
 * {@code device_hotplug_lock}). Everything hangs off this object; many machines can run in one JVM.
 *
 * <p>The file API is what a shell, a control plane or a FUSE server calls, with the kernel's errnos
 * (as {@link ErrnoException}): {@link #open} / {@link MachineFile#read} / {@link MachineFile#write}
 * / {@link MachineFile#close}, and the conveniences {@link #cat}, {@link #writeString} (echo),
 * {@link #write} (exactly one write(2)), {@link #ls}, {@link #readlink}, {@link #stat}. Paths are
 * absolute; symlinks are followed by their text, like the VFS does (ELOOP after 40; the walk is
 * {@link PathWalk}, the file operations {@link Vfs}). Everyone is root, and sysfs modes still apply
 * (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK). Opening a disk's /dev node holds its driver's module and
 * opens the driver's device, as {@link #openBlockDevice} does ({@link BdevHandle}); opening a misc
 * node holds the module of its file operations.
 *
 * <p><b>Threading.</b> The {@link Builder} belongs to the thread that builds; the machine is fully
 * booted when {@link Builder#build()} returns. After that every public method may be called from
 * any thread, concurrently, except {@link #close()}, which is called once, after the machine's users
 * are done. There is no machine-wide lock:
 *
 * <ul>
 *   <li>The accessors return parts fixed at boot; each part documents its own locking.
 *   <li>The path methods ({@link #open}, {@link #readFile}, {@link #cat}, {@link #write},
 *       {@link #writeString}, {@link #ls}, {@link #readlink}, {@link #stat}, {@link #lstat},
 *       {@link #exists}, {@link #blockDevice}, {@link #openBlockDevice}) hold nothing between
 *       calls. A walk takes {@code kernfs_rwsem} for reading one step at a time, so it runs beside
 *       other walks and stores and may end in ENOENT (or ENODEV at open) when a node goes away
 *       under it. A store runs under its open file's {@code of->mutex} and the node's active
 *       reference (removal of the node waits for it to end), plus whatever locks the attribute's
 *       driver takes; stores through different opens of one attribute therefore serialise only in
 *       the driver, as in the kernel.
 *   <li>An open {@link MachineFile} is like a file descriptor: it may be handed to and used from
 *       other threads; its read, write, seek and position are each one step on the file position
 *       (a disk or character node's monitor, an attribute's {@code of->mutex} and seq lock). Close
 *       it once, after its last use. It holds what an open file holds in the kernel (the
 *       attribute's open, the disk's module and device, the misc driver's module) until then.
 *   <li>{@link #modprobe} and {@link #rmmod} serialise on the module loader's {@code module_mutex}
 *       for the module list; module init and exit run outside it (a load of a module that is still
 *       going waits for it). rmmod answers EWOULDBLOCK ("in use") while any open file or
 *       {@link BdevHandle} holds the module, and EBUSY while it is already going.
 *   <li>{@link #setOwnerReferenceFix} may be flipped at any time; opens already made keep what they
 *       took.
 * </ul>
 *
 * <p>Boot: the standard directories, /dev/zero and /dev/null, the CPU files, the kernfs failure
 * injection knobs under /sys/kernel/debug/kernfs, and the loadable modules that ship with it
 * ({@code test_sysfs}, and {@code zram} with its default fix set and build configuration, see
 * {@link #zram()}). {@link #close()} stops the watchdog; it does not unload modules.
 */
public final class Machine implements AutoCloseable {

    /** The block drivers built into the project's real machines' kernel that register before zram. */
    public static final List<String> REAL_BUILTIN_BLOCK_DRIVERS = List.of("virtblk");

    private final Kernel kernel;
    private final CpuHotplug hotplug;
    private final Sysfs sysfs;
    private final Devtmpfs devtmpfs;
    private final DriverCore driverCore;
    private final MiscRegistry misc;
    private final BlockLayer blockLayer;
    private final Debugfs debugfs;
    private final Mutex rtnlMutex;
    private final Mutex deviceHotplugLock;
    private final Random random;
    private final ZramModule zram;
    private final Vfs vfs;

    private Machine(Builder b) {
        Kernel.Builder kb = Kernel.builder().release(b.release).lockdep(b.lockdep).hungTaskTimeout(b.hungTaskTimeout)
                .logCapacity(b.logCapacity);
        this.kernel = kb.build();
        this.random = new Random(b.seed);
        this.hotplug = new CpuHotplug(kernel, b.cpus);
        this.sysfs = new Sysfs(kernel, random);
        sysfs.kernfs().setOwnerReferenceFix(b.ownerReferenceFix != null ? b.ownerReferenceFix : b.zramFixes.ownerReferences());
        sysfs.kernfs().failureInjection().setWaitTimeout(b.kernfsWaitTimeout);
        this.devtmpfs = new Devtmpfs();
        devtmpfs.create(new DevNode("null", DevNode.Kind.CHAR, 1, 3, 0666, CharDevice.nul()));
        devtmpfs.create(new DevNode("zero", DevNode.Kind.CHAR, 1, 5, 0666, CharDevice.zero()));
        this.driverCore = new DriverCore(sysfs, devtmpfs);
        this.misc = new MiscRegistry(kernel, driverCore);
        this.blockLayer = new BlockLayer(kernel, driverCore);
        List<String> builtin = b.builtinBlockDrivers != null ? b.builtinBlockDrivers
                : b.zramKconfig.isRealKernelBuild() ? REAL_BUILTIN_BLOCK_DRIVERS : List.of();
        for (String drv : builtin) {
            blockLayer.registerBlkdev(0, drv);
        }
        this.debugfs = new Debugfs(sysfs);
        this.vfs = new Vfs(sysfs.kernfs(), devtmpfs);
        this.rtnlMutex = new Mutex(kernel, "rtnl_mutex");
        this.deviceHotplugLock = new Mutex(kernel, "device_hotplug_lock");
        CpuSysfs.create(sysfs, driverCore.systemDir(), hotplug, deviceHotplugLock);
        createKernfsFailureInjectionKnobs();
        if (b.testSysfs) {
            TestSysfsModule.register(this);
        }
        this.zram = b.zram ? ZramModule.register(this, b.zramFixes, b.zramKconfig) : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A machine with the defaults: 4 CPUs, lockdep on, 120 s hung-task timeout, the fix off. */
    public static Machine boot() {
        return builder().build();
    }

    /** The machine's configuration: kernel options, CPUs, kernfs options. */
    public static final class Builder {
        private int cpus = 4;
        private String release = "6.18.44-jzram";
        private boolean lockdep = true;
        private Duration hungTaskTimeout = Kernel.DEFAULT_HUNG_TASK_TIMEOUT;
        private int logCapacity = 1 << 16;
        private Boolean ownerReferenceFix;
        private Duration kernfsWaitTimeout = KernfsFailureInjection.DEFAULT_WAIT_TIMEOUT;
        private long seed = 1;
        private boolean testSysfs = true;
        private boolean zram = true;
        private ZramFixes zramFixes = ZramFixes.UPSTREAM;
        private ZramKconfig zramKconfig = ZramKconfig.full();
        private List<String> builtinBlockDrivers;

        private Builder() {
        }

        /** Possible (= present) CPUs, all online at boot. */
        public Builder cpus(int n) {
            this.cpus = n;
            return this;
        }

        public Builder release(String r) {
            this.release = r;
            return this;
        }

        /** CONFIG_PROVE_LOCKING. */
        public Builder lockdep(boolean on) {
            this.lockdep = on;
            return this;
        }

        /** hung_task_timeout_secs (any duration; zero disables). */
        public Builder hungTaskTimeout(Duration d) {
            this.hungTaskTimeout = d;
            return this;
        }

        public Builder logCapacity(int records) {
            this.logCapacity = records;
            return this;
        }

        /**
         * The seed's generic sysfs fix (patch 09/12); off is the pre-fix kernel. Default: on when the
         * zram default fix set includes the seed's ({@link #zramFixes}), else off.
         */
        public Builder ownerReferenceFix(boolean on) {
            this.ownerReferenceFix = on;
            return this;
        }

        /** The kernfs failure-injection completion timeout (3 s in the patch). */
        public Builder kernfsWaitTimeout(Duration d) {
            this.kernfsWaitTimeout = d;
            return this;
        }

        /** Seed of the machine's random source (fault injection draws). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Whether the test_sysfs module is available to modprobe (default yes). */
        public Builder withTestSysfs(boolean available) {
            this.testSysfs = available;
            return this;
        }

        /** Whether the zram module is available to modprobe (default yes). */
        public Builder withZram(boolean available) {
            this.zram = available;
            return this;
        }

        /** The zram fix set a load without {@code fixes=} gets (default {@link ZramFixes#UPSTREAM}, as 6.18). */
        public Builder zramFixes(ZramFixes fixes) {
            this.zramFixes = java.util.Objects.requireNonNull(fixes);
            return this;
        }

        /** The zram driver's build options (default {@link ZramKconfig#full()}). */
        public Builder zramKconfig(ZramKconfig kconfig) {
            this.zramKconfig = java.util.Objects.requireNonNull(kconfig);
            return this;
        }

        /**
         * Block drivers built into the kernel that take a dynamic block major at boot, before any
         * module loads. The project's real machines have virtio_blk ("virtblk", major 254), so their
         * zram gets 253: {@link #REAL_BUILTIN_BLOCK_DRIVERS}, the default with the real machines'
         * zram build ({@link ZramKconfig#isRealKernelBuild()}); none by default otherwise.
         */
        public Builder builtinBlockDrivers(List<String> names) {
            this.builtinBlockDrivers = List.copyOf(names);
            return this;
        }

        /**
         * The kernel of the project's real machines: zram built as they have it
         * ({@link ZramKconfig#realKernel()}), and so virtio_blk built in
         * ({@link #REAL_BUILTIN_BLOCK_DRIVERS}): zram's major and files are theirs.
         */
        public Builder realKernel() {
            return zramKconfig(ZramKconfig.realKernel());
        }

        public Machine build() {
            return new Machine(this);
        }
    }

    private void createKernfsFailureInjectionKnobs() {
        KernfsFailureInjection fi = sysfs.kernfs().failureInjection();
        KernfsNode dir = debugfs.createDir(null, "kernfs");
        debugfs.createFaultAttr(dir, "fail_kernfs_fop_write_iter", fi.faultAttr());
        KernfsNode cfg = debugfs.createDir(dir, "config_fail_kernfs_fop_write_iter");
        for (KernfsFailureInjection.WaitPoint p : KernfsFailureInjection.WaitPoint.values()) {
            debugfs.createBool(cfg, p.knob(), 0600, () -> fi.isArmed(p), on -> fi.setWait(p, on));
        }
        debugfs.createU32(dir, "sleep_after_wait_ms", 0600, () -> fi.sleepAfterWait().toMillis(),
                v -> fi.setSleepAfterWait(Duration.ofMillis(v)));
        debugfs.createU32(dir, "wait_timeout_ms", 0600, () -> fi.waitTimeout().toMillis(),
                v -> fi.setWaitTimeout(Duration.ofMillis(v)));
    }

    // ---------------------------------------------------------------- the parts

    public Kernel kernel() {
        return kernel;
    }

    public CpuHotplug hotplug() {
        return hotplug;
    }

    public Sysfs sysfs() {
        return sysfs;
    }

    /** The kernfs root behind /sys (and /sys/kernel/debug). */
    public KernfsRoot kernfs() {
        return sysfs.kernfs();
    }

    public Debugfs debugfs() {
        return debugfs;
    }

    public Devtmpfs devtmpfs() {
        return devtmpfs;
    }

    public DriverCore driverCore() {
        return driverCore;
    }

    public MiscRegistry misc() {
        return misc;
    }

    public BlockLayer blockLayer() {
        return blockLayer;
    }

    public ModuleLoader modules() {
        return kernel.modules();
    }

    /** The zram module installed on this machine (IllegalStateException when built without it). */
    public ZramModule zram() {
        if (zram == null) {
            throw new IllegalStateException("this machine was built without the zram module");
        }
        return zram;
    }

    /** rtnl_lock's mutex (net/core/rtnetlink.c), shared by every driver of the machine. */
    public Mutex rtnlMutex() {
        return rtnlMutex;
    }

    /** device_hotplug_lock (drivers/base/core.c). */
    public Mutex deviceHotplugLock() {
        return deviceHotplugLock;
    }

    /** Whether the seed's generic fix is on. */
    public boolean ownerReferenceFix() {
        return sysfs.kernfs().ownerReferenceFix();
    }

    public void setOwnerReferenceFix(boolean on) {
        sysfs.kernfs().setOwnerReferenceFix(on);
    }

    // ---------------------------------------------------------------- modules

    /** modprobe NAME [key=value ...] (a bare key means key with no value, which bool params read as 1). */
    public Module modprobe(String name, String... params) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq < 0) {
                map.put(p, "1");
            } else {
                map.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return kernel.modules().modprobe(name, map);
    }

    /** rmmod NAME: ENOENT, EBUSY (already dying) or EWOULDBLOCK ("in use") as delete_module answers. */
    public void rmmod(String name) {
        kernel.modules().unload(name);
    }

    // ---------------------------------------------------------------- the file API (see Vfs)

    /** open(2). Without an access flag the file opens read-only. */
    public MachineFile open(String path, OpenFlag... flags) {
        return vfs.open(path, flags);
    }

    /**
     * The block device a /dev path names, as the block layer serves it (accounted in the disk's
     * {@code stat}; EIO once the disk is deleted): ENOENT when the path does not exist, ENOTBLK when
     * it is not a block device node, ENXIO when its disk is gone. Does not open the device.
     */
    public BlockDevice blockDevice(String path) {
        return vfs.blockDevice(path);
    }

    /**
     * Opens the disk a /dev path names, as a user of the device does (bdev_open by path): holds the
     * disk's owner module (rmmod answers "in use") and opens the driver's device (zram's reset and
     * hot_remove answer EBUSY) until the handle is closed. ENOENT, ENOTBLK or ENXIO as
     * {@link #blockDevice} answers; ENXIO while the driver's module is going away; the driver's
     * refusal otherwise (EBUSY while a zram device is being reset).
     */
    public BdevHandle openBlockDevice(String devPath) {
        return vfs.openBlockDevice(devPath);
    }

    /**
     * Opens a disk of this machine (bdev_open by dev_t) as {@link #openBlockDevice(String)} opens
     * the one its /dev path names; for a user that found the disk in {@link BlockLayer#find} and
     * must get that disk, not a newer one of the same name. ENXIO once it is deleted.
     */
    public BdevHandle openBlockDevice(GenDisk disk) {
        return BdevHandle.open(disk, "/dev/" + disk.name());
    }

    /** cat: the whole content, read 4096 bytes at a time until end of file. */
    public byte[] readFile(String path) {
        return vfs.readFile(path);
    }

    /** cat, as text (bytes as ISO-8859-1 characters). */
    public String cat(String path) {
        return vfs.cat(path);
    }

    /**
     * Exactly one write(2) of {@code data} (opened O_WRONLY|O_TRUNC): for an attribute, one store
     * of those bytes (cut to PAGE_SIZE). Returns what write returned.
     */
    public int write(String path, byte[] data) {
        return vfs.write(path, data);
    }

    /**
     * {@code echo -n VALUE > PATH}: opens O_WRONLY|O_CREAT|O_TRUNC and writes the bytes as stdio
     * does, one write(2) per remaining part (so a value over PAGE_SIZE becomes several stores).
     */
    public void writeString(String path, String value) {
        vfs.writeString(path, value);
    }

    /** ls: the names in a directory, sorted; for a file, its own name. */
    public List<String> ls(String path) {
        return vfs.ls(path);
    }

    /** readlink: the text of a symlink (EINVAL for anything else). */
    public String readlink(String path) {
        return vfs.readlink(path);
    }

    /** stat(2): follows symlinks. */
    public FileStat stat(String path) {
        return vfs.stat(path, true);
    }

    /** lstat(2): does not follow a final symlink. */
    public FileStat lstat(String path) {
        return vfs.stat(path, false);
    }

    /** Whether the path resolves (following symlinks). */
    public boolean exists(String path) {
        return vfs.exists(path);
    }

    @Override
    public void close() {
        kernel.close();
    }

    @Override
    public String toString() {
        return "machine with " + hotplug.nrCpus() + " CPUs, kernel " + kernel.release()
                + (ownerReferenceFix() ? ", generic sysfs fix on" : "");
    }
}
