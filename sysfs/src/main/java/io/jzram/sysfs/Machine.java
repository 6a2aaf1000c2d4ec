// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import io.jzram.sysfs.kernfs.KernfsFailureInjection;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsOpenFile;
import io.jzram.sysfs.kernfs.KernfsRoot;
import io.jzram.sysfs.testsysfs.TestSysfsModule;
import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import io.jzram.sysfs.zram.ZramModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One emulated machine: a {@link Kernel} (log, lockdep, hung-task watchdog, module loader), its
 * CPUs ({@link CpuHotplug}), sysfs at /sys (with debugfs at /sys/kernel/debug), devtmpfs at /dev,
 * the driver core with the {@code misc} and {@code block} classes, and the global locks drivers
 * share ({@code rtnl_mutex}, {@code device_hotplug_lock}). Everything hangs off this object; many
 * machines can run in one JVM.
 *
 * <p>The file API is what a shell or a control plane calls, with the kernel's errnos (as
 * {@link ErrnoException}): {@link #open} / {@link MachineFile#read} / {@link MachineFile#write} /
 * {@link MachineFile#close}, and the conveniences {@link #cat}, {@link #writeString} (echo),
 * {@link #write} (exactly one write(2)), {@link #ls}, {@link #readlink}, {@link #stat}. Paths are
 * absolute; symlinks are followed by their text, like the VFS does (ELOOP after 40). Everyone is
 * root, and sysfs modes still apply (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK). Opening a disk's /dev node
 * holds its driver's module and opens the driver's device (blkdev_get); opening a misc node holds
 * the module of its file operations.
 *
 * <p>Boot: the standard directories, /dev/zero and /dev/null, the CPU files, the kernfs failure
 * injection knobs under /sys/kernel/debug/kernfs, and the loadable modules that ship with it
 * ({@code test_sysfs}, and {@code zram} with its default fix set and build configuration, see
 * {@link #zram()}). {@link #close()} stops the watchdog; it does not unload modules.
 */
public final class Machine implements AutoCloseable {

    private static final int MAX_SYMLINKS = 40;

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
        this.debugfs = new Debugfs(sysfs);
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

    // ---------------------------------------------------------------- path walk

    /** Where a walk ended: the machine root, a kernfs node, the /dev directory or a /dev node. */
    private record Place(Kind kind, KernfsNode node, DevNode dev) {
        enum Kind {
            ROOT, KERNFS, DEV_DIR, DEV_NODE
        }

        static final Place ROOT = new Place(Kind.ROOT, null, null);
        static final Place DEV_DIR = new Place(Kind.DEV_DIR, null, null);

        boolean isDir() {
            return kind == Kind.ROOT || kind == Kind.DEV_DIR || (kind == Kind.KERNFS && node.isDir());
        }
    }

    private Place parentOf(Place p) {
        switch (p.kind()) {
            case KERNFS:
                KernfsNode parent = p.node().parent();
                return parent == null ? Place.ROOT : new Place(Place.Kind.KERNFS, parent, null);
            case DEV_NODE:
                return Place.DEV_DIR;
            default:
                return Place.ROOT;
        }
    }

    private static Deque<String> components(String path) {
        Deque<String> out = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    private Place walk(String path, boolean followLast) {
        if (path == null || path.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, "empty path");
        }
        Deque<String> comps = components(path);
        Place cur = Place.ROOT;
        int links = 0;
        while (!comps.isEmpty()) {
            String c = comps.pollFirst();
            boolean last = comps.isEmpty();
            if (c.equals("..")) {
                cur = parentOf(cur);
                continue;
            }
            if (!cur.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, "a component of " + path + " is not a directory");
            }
            switch (cur.kind()) {
                case ROOT:
                    if (c.equals("sys")) {
                        cur = new Place(Place.Kind.KERNFS, sysfs.kernfs().root(), null);
                    } else if (c.equals("dev")) {
                        cur = Place.DEV_DIR;
                    } else {
                        throw new ErrnoException(Errno.ENOENT, path + ": no such file or directory");
                    }
                    break;
                case DEV_DIR: {
                    DevNode n = devtmpfs.lookup(c);
                    if (n == null) {
                        throw new ErrnoException(Errno.ENOENT, path + ": no such file or directory");
                    }
                    cur = new Place(Place.Kind.DEV_NODE, null, n);
                    break;
                }
                case KERNFS: {
                    KernfsNode child = sysfs.kernfs().lookup(cur.node(), c);
                    if (child == null) {
                        throw new ErrnoException(Errno.ENOENT, path + ": no such file or directory");
                    }
                    if (child.isLink() && (!last || followLast)) {
                        if (++links > MAX_SYMLINKS) {
                            throw new ErrnoException(Errno.ELOOP, path + ": too many levels of symbolic links");
                        }
                        String target = sysfs.kernfs().linkTargetPath(child);
                        Deque<String> t = components(target);
                        while (!t.isEmpty()) {
                            comps.addFirst(t.pollLast());
                        }
                        // cur stays the link's directory: the target text is relative to it
                        continue;
                    }
                    cur = new Place(Place.Kind.KERNFS, child, null);
                    break;
                }
                default:
                    throw new ErrnoException(Errno.ENOTDIR, "a component of " + path + " is not a directory");
            }
        }
        if (path.endsWith("/") && !cur.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path + " is not a directory");
        }
        return cur;
    }

    private static String dirname(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private static String basename(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    // ---------------------------------------------------------------- the file API

    /** open(2). Without an access flag the file opens read-only. */
    public MachineFile open(String path, OpenFlag... flags) {
        Set<OpenFlag> f = flags.length == 0 ? EnumSet.noneOf(OpenFlag.class) : EnumSet.of(flags[0], flags);
        boolean write = f.contains(OpenFlag.WRONLY) || f.contains(OpenFlag.RDWR);
        boolean read = !f.contains(OpenFlag.WRONLY);
        Place p;
        try {
            p = walk(path, true);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT && f.contains(OpenFlag.CREAT)) {
                Place parent = walk(dirname(path), true);
                if (parent.isDir()) {
                    throw new ErrnoException(Errno.EACCES, "cannot create " + path + ": the filesystem has no create");
                }
            }
            throw e;
        }
        if (f.contains(OpenFlag.DIRECTORY) && !p.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path + " is not a directory");
        }
        if (p.isDir()) {
            if (write) {
                throw new ErrnoException(Errno.EISDIR, path + " is a directory");
            }
            return new DirectoryFile(path);
        }
        if (p.kind() == Place.Kind.KERNFS) {
            return new AttributeFile(path, KernfsOpenFile.open(p.node(), read, write));
        }
        DevNode n = p.dev();
        if (n.kind() == DevNode.Kind.BLOCK) {
            return openDisk(path, n, read, write);
        }
        return openChar(path, n);
    }

    private MachineFile openDisk(String path, DevNode n, boolean read, boolean write) {
        GenDisk disk = n.disk();
        if (disk == null || !disk.isAdded()) {
            throw new ErrnoException(Errno.ENXIO, path + ": no such device or address");
        }
        Module owner = disk.owner();
        if (owner != null && !owner.tryGet()) {
            throw new ErrnoException(Errno.ENXIO, path + ": driver " + owner.name() + " is going away");
        }
        try {
            BlockDevice.Opener opener = disk.blockDevice().open();
            return new DiskFile(path, disk, opener, owner, read, write);
        } catch (IOException e) {
            if (owner != null) {
                owner.put();
            }
            throw toErrno(e);
        } catch (RuntimeException e) {
            if (owner != null) {
                owner.put();
            }
            throw e;
        }
    }

    private MachineFile openChar(String path, DevNode n) {
        CharDevice ops = n.charDevice();
        if (ops == null) {
            throw new ErrnoException(Errno.ENODEV, path + ": the device has no file operations");
        }
        MiscDevice md = n.miscDevice();
        Module owner = md == null ? null : md.owner();
        if (owner != null && !owner.tryGet()) {
            throw new ErrnoException(Errno.ENODEV, path + ": driver " + owner.name() + " is going away");
        }
        try {
            ops.open();
        } catch (RuntimeException e) {
            if (owner != null) {
                owner.put();
            }
            throw e;
        }
        return new CharFile(path, ops, owner);
    }

    private static ErrnoException toErrno(IOException e) {
        if (e instanceof ErrnoIOException) {
            return new ErrnoException(((ErrnoIOException) e).errno(), e.getMessage(), e);
        }
        return new ErrnoException(Errno.EIO, e.toString(), e);
    }

    /**
     * The block device a /dev path names, as the block layer serves it (accounted in the disk's
     * {@code stat}; EIO once the disk is deleted): ENOENT when the path does not exist, ENOTBLK when
     * it is not a block device node, ENXIO when its disk is gone. Does not open the device.
     */
    public BlockDevice blockDevice(String path) {
        Place p = walk(path, true);
        if (p.kind() != Place.Kind.DEV_NODE || p.dev().kind() != DevNode.Kind.BLOCK) {
            throw new ErrnoException(Errno.ENOTBLK, path + " is not a block device");
        }
        GenDisk disk = p.dev().disk();
        if (disk == null || !disk.isAdded()) {
            throw new ErrnoException(Errno.ENXIO, path + ": no such device or address");
        }
        return disk.blockDevice();
    }

    /** cat: the whole content, read 4096 bytes at a time until end of file. */
    public byte[] readFile(String path) {
        try (MachineFile f = open(path, OpenFlag.RDONLY)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = f.read(buf, 0, buf.length)) > 0) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** cat, as text (bytes as ISO-8859-1 characters). */
    public String cat(String path) {
        return new String(readFile(path), StandardCharsets.ISO_8859_1);
    }

    /**
     * Exactly one write(2) of {@code data} (opened O_WRONLY|O_TRUNC): for an attribute, one store
     * of those bytes (cut to PAGE_SIZE). Returns what write returned.
     */
    public int write(String path, byte[] data) {
        try (MachineFile f = open(path, OpenFlag.WRONLY, OpenFlag.CREAT, OpenFlag.TRUNC)) {
            return f.write(data, 0, data.length);
        }
    }

    /**
     * {@code echo -n VALUE > PATH}: opens O_WRONLY|O_CREAT|O_TRUNC and writes the bytes as stdio
     * does, one write(2) per remaining part (so a value over PAGE_SIZE becomes several stores).
     */
    public void writeString(String path, String value) {
        byte[] data = value.getBytes(StandardCharsets.ISO_8859_1);
        try (MachineFile f = open(path, OpenFlag.WRONLY, OpenFlag.CREAT, OpenFlag.TRUNC)) {
            int off = 0;
            while (off < data.length) {
                int n = f.write(data, off, data.length - off);
                if (n <= 0) {
                    break;
                }
                off += n;
            }
            if (data.length == 0) {
                f.write(data, 0, 0);
            }
        }
    }

    /** ls: the names in a directory, sorted; for a file, its own name. */
    public List<String> ls(String path) {
        Place p = walk(path, true);
        switch (p.kind()) {
            case ROOT:
                return List.of("dev", "sys");
            case DEV_DIR: {
                List<String> out = new ArrayList<>();
                for (DevNode n : devtmpfs.list()) {
                    out.add(n.name());
                }
                return out;
            }
            case KERNFS: {
                if (!p.node().isDir()) {
                    return List.of(p.node().name());
                }
                List<String> out = new ArrayList<>();
                for (KernfsNode kn : sysfs.kernfs().list(p.node())) {
                    out.add(kn.name());
                }
                return out;
            }
            default:
                return List.of(p.dev().name());
        }
    }

    /** readlink: the text of a symlink (EINVAL for anything else). */
    public String readlink(String path) {
        Place p = walk(path, false);
        if (p.kind() != Place.Kind.KERNFS || !p.node().isLink()) {
            throw new ErrnoException(Errno.EINVAL, path + " is not a symlink");
        }
        return sysfs.kernfs().linkTargetPath(p.node());
    }

    /** stat(2): follows symlinks. */
    public FileStat stat(String path) {
        return statOf(path, walk(path, true));
    }

    /** lstat(2): does not follow a final symlink. */
    public FileStat lstat(String path) {
        return statOf(path, walk(path, false));
    }

    /** Whether the path resolves (following symlinks). */
    public boolean exists(String path) {
        try {
            walk(path, true);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    private FileStat statOf(String path, Place p) {
        switch (p.kind()) {
            case ROOT:
            case DEV_DIR:
                return new FileStat(path, FileStat.Type.DIRECTORY, 0755, 0, 0, 0, null);
            case KERNFS: {
                KernfsNode kn = p.node();
                if (kn.isDir()) {
                    return new FileStat(path, FileStat.Type.DIRECTORY, kn.mode(), 0, 0, 0, null);
                }
                if (kn.isLink()) {
                    return new FileStat(path, FileStat.Type.SYMLINK, 0777, 0, 0, 0, sysfs.kernfs().linkTargetPath(kn));
                }
                return new FileStat(path, FileStat.Type.REGULAR, kn.mode(), kn.size(), 0, 0, null);
            }
            default: {
                DevNode n = p.dev();
                FileStat.Type t = n.kind() == DevNode.Kind.BLOCK ? FileStat.Type.BLOCK_DEVICE : FileStat.Type.CHAR_DEVICE;
                long size = n.disk() != null ? n.disk().blockDevice().capacity() : 0;
                return new FileStat(path, t, n.mode(), size, n.major(), n.minor(), null);
            }
        }
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

    // ---------------------------------------------------------------- open files

    /** An attribute file (sysfs or debugfs). */
    private static final class AttributeFile implements MachineFile {
        private final String path;
        private final KernfsOpenFile of;

        AttributeFile(String path, KernfsOpenFile of) {
            this.path = path;
            this.of = of;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public int read(byte[] dst, int off, int len) {
            return of.read(dst, off, len);
        }

        @Override
        public int write(byte[] src, int off, int len) {
            return of.write(src, off, len);
        }

        @Override
        public long position() {
            return of.position();
        }

        @Override
        public void seek(long pos) {
            of.seek(pos);
        }

        @Override
        public void close() {
            of.close();
        }
    }

    /** A directory: read(2) on it is EISDIR. */
    private static final class DirectoryFile implements MachineFile {
        private final String path;

        DirectoryFile(String path) {
            this.path = path;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public int read(byte[] dst, int off, int len) {
            throw new ErrnoException(Errno.EISDIR, path + " is a directory");
        }

        @Override
        public int write(byte[] src, int off, int len) {
            throw new ErrnoException(Errno.EBADF, path + " is not open for writing");
        }

        @Override
        public long position() {
            return 0;
        }

        @Override
        public void seek(long pos) {
        }

        @Override
        public void close() {
        }
    }

    /** A disk's /dev node (blkdev_read_iter/blkdev_write_iter): EOF at capacity, ENOSPC past it. */
    private static final class DiskFile implements MachineFile {
        private final String path;
        private final GenDisk disk;
        private final BlockDevice.Opener opener;
        private final Module owner;
        private final boolean readable;
        private final boolean writable;
        private long pos;
        private boolean closed;

        DiskFile(String path, GenDisk disk, BlockDevice.Opener opener, Module owner, boolean readable, boolean writable) {
            this.path = path;
            this.disk = disk;
            this.opener = opener;
            this.owner = owner;
            this.readable = readable;
            this.writable = writable;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public BlockDevice blockDevice() {
            return disk.blockDevice();
        }

        @Override
        public synchronized int read(byte[] dst, int off, int len) {
            check(readable);
            long cap = disk.blockDevice().capacity();
            if (pos >= cap || len == 0) {
                return 0;
            }
            int n = (int) Math.min(len, cap - pos);
            try {
                disk.blockDevice().read(pos, ByteBuffer.wrap(dst, off, n));
            } catch (IOException e) {
                throw toErrno(e);
            }
            pos += n;
            return n;
        }

        @Override
        public synchronized int write(byte[] src, int off, int len) {
            check(writable);
            long cap = disk.blockDevice().capacity();
            if (pos >= cap) {
                throw new ErrnoException(Errno.ENOSPC, path + ": no space left on device");
            }
            if (len == 0) {
                return 0;
            }
            int n = (int) Math.min(len, cap - pos);
            try {
                disk.blockDevice().write(pos, ByteBuffer.wrap(src, off, n));
            } catch (IOException e) {
                throw toErrno(e);
            }
            pos += n;
            return n;
        }

        private void check(boolean allowed) {
            if (closed || !allowed) {
                throw new ErrnoException(Errno.EBADF, path + " is not open for that");
            }
        }

        @Override
        public synchronized long position() {
            return pos;
        }

        @Override
        public synchronized void seek(long p) {
            if (p < 0) {
                throw new ErrnoException(Errno.EINVAL, "negative offset");
            }
            pos = p;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                opener.close();
            } finally {
                if (owner != null) {
                    owner.put();
                }
            }
        }
    }

    /** A character device node. */
    private static final class CharFile implements MachineFile {
        private final String path;
        private final CharDevice ops;
        private final Module owner;
        private long pos;
        private boolean closed;

        CharFile(String path, CharDevice ops, Module owner) {
            this.path = path;
            this.ops = ops;
            this.owner = owner;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public synchronized int read(byte[] dst, int off, int len) {
            int n = ops.read(pos, dst, off, len);
            pos += Math.max(0, n);
            return n;
        }

        @Override
        public synchronized int write(byte[] src, int off, int len) {
            int n = ops.write(pos, src, off, len);
            pos += Math.max(0, n);
            return n;
        }

        @Override
        public synchronized long position() {
            return pos;
        }

        @Override
        public synchronized void seek(long p) {
            pos = p;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                ops.release();
            } finally {
                if (owner != null) {
                    owner.put();
                }
            }
        }
    }
}
