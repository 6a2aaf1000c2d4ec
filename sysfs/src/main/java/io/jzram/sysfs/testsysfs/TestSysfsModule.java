// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import io.jzram.sysfs.Attribute;
import io.jzram.sysfs.AttributeGroup;
import io.jzram.sysfs.Debugfs;
import io.jzram.sysfs.Device;
import io.jzram.sysfs.GenDisk;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MiscDevice;
import io.jzram.sysfs.QueueLimits;
import io.jzram.sysfs.StoreBuffer;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.PageBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * lib/test_sysfs.c as of the seed (v8, with patch 05/12's completion): one test device,
 * {@code test_sysfs0}, registered as a misc device ({@code devtype=0}, the default) at
 * /sys/devices/virtual/misc/test_sysfs0 or as a block device ({@code devtype=1}) at
 * /sys/devices/virtual/block/test_sysfs0, with the attribute group {@code test_dev} (through
 * ATTRIBUTE_GROUPS, owned by the module):
 *
 * <ul>
 *   <li>{@code test_dev_x} (rw): kstrtoint into x; {@code test_dev_y} (rw): parses a value, sleeps
 *       {@code write_delay_msec_y} (default 500 ms), then sets y = x + value + 7. Both stores take
 *       the device's {@code config_mutex} (or {@code rtnl_mutex} with use_rtnl_lock) when
 *       enable_lock is set, as do their shows.
 *   <li>{@code config} (ro): the multi-line dump (typos and all: "enable_lock_on_rmmmod").
 *   <li>{@code reset} (wo): clears the lock and busy-alloc knobs, x = 3, y = 4.
 *   <li>{@code config_enable_lock}, {@code config_enable_lock_on_rmmod}, {@code config_use_rtnl_lock},
 *       {@code config_write_delay_msec_y}, {@code config_enable_busy_alloc} (rw, kstrtoint).
 * </ul>
 *
 * Module parameters: enable_lock, enable_lock_on_rmmod, use_rtnl_lock, write_delay_msec_y, devtype,
 * enable_busy_alloc, enable_debugfs (adds /sys/kernel/debug/test_sysfs/reset_first_test_dev: a
 * write unregisters and re-registers the device), enable_verbose_writes, delay_rmmod_ms,
 * enable_verbose_rmmod, enable_completion_on_rmmod. Module exit: remove debugfs, complete the kernfs
 * failure-injection completion (with enable_completion_on_rmmod), sleep delay_rmmod_ms, then
 * unregister the device with the config lock held when enable_lock_on_rmmod (and enable_lock) are
 * set: the seed's deadlock construct against a store waiting for that lock.
 *
 * <p>Locking: x, y and the config are volatile and, with enable_lock, written under the lock; the
 * lock knobs themselves are flipped without it, as the original does ("we compromise").
 */
public final class TestSysfsModule implements ModuleLoader.ModuleCode {

    /** The module name. */
    public static final String NAME = "test_sysfs";
    /** The module's parameters. */
    public static final Set<String> PARAMETERS = Set.of("enable_lock", "enable_lock_on_rmmod", "use_rtnl_lock",
            "write_delay_msec_y", "devtype", "enable_busy_alloc", "enable_debugfs", "enable_verbose_writes", "delay_rmmod_ms",
            "enable_verbose_rmmod", "enable_completion_on_rmmod");
    /** TESTDEV_TYPE_MISC. */
    public static final int TESTDEV_TYPE_MISC = 0;
    /** TESTDEV_TYPE_BLOCK. */
    public static final int TESTDEV_TYPE_BLOCK = 1;

    /** Makes the module loadable on a machine (what installing test_sysfs.ko does). */
    public static void register(Machine machine) {
        machine.modules().register(NAME, PARAMETERS, self -> new TestSysfsModule(machine, self));
    }

    private final Machine machine;
    private final Module self;
    private final KernelLog log;
    private final List<AttributeGroup<Device>> testDevGroups;
    private boolean enableLock;
    private boolean enableLockOnRmmod;
    private boolean useRtnlLock;
    private boolean enableBusyAlloc;
    private boolean enableDebugfs;
    private boolean enableVerboseWrites;
    private boolean enableVerboseRmmod;
    private boolean enableCompletionOnRmmod;
    private long writeDelayMsecY = 500;
    private long testDevtype = TESTDEV_TYPE_MISC;
    private long delayRmmodMs;
    private int sysfsTestMajor;
    private volatile TestSysfsDevice firstTestDev;
    private KernfsNode debugfsDir;
    private int resetFirstTestDevReads;

    private TestSysfsModule(Machine machine, Module self) {
        this.machine = machine;
        this.self = self;
        this.log = machine.kernel().log();
        this.testDevGroups = AttributeGroup.attributeGroups(self, List.of(
                Attribute.ro("config", this::configShow),
                Attribute.wo("reset", this::resetStore),
                Attribute.rw("test_dev_x", this::testDevXShow, this::testDevXStore),
                Attribute.rw("test_dev_y", this::testDevYShow, this::testDevYStore),
                Attribute.rw("config_enable_lock", this::configEnableLockShow, this::configEnableLockStore),
                Attribute.rw("config_enable_lock_on_rmmod", this::configEnableLockOnRmmodShow, this::configEnableLockOnRmmodStore),
                Attribute.rw("config_use_rtnl_lock", this::configUseRtnlLockShow, this::configUseRtnlLockStore),
                Attribute.rw("config_write_delay_msec_y", this::configWriteDelayShow, this::configWriteDelayStore),
                Attribute.rw("config_enable_busy_alloc", this::configBusyAllocShow, this::configBusyAllocStore)));
    }

    /** The device's configuration (struct test_config). */
    static final class TestConfig {
        volatile boolean enableLock;
        volatile boolean enableLockOnRmmod;
        volatile boolean useRtnlLock;
        volatile int writeDelayMsecY;
        volatile boolean enableBusyAlloc;
    }

    /** struct sysfs_test_device. */
    static final class TestSysfsDevice {
        final int devtype;
        final TestConfig config = new TestConfig();
        final Mutex configMutex;
        final int devIdx;
        MiscDevice miscDev;
        GenDisk disk;
        volatile Device dev;
        volatile int x;
        volatile int y;

        TestSysfsDevice(Machine machine, int devtype, int idx) {
            this.devtype = devtype;
            this.devIdx = idx;
            this.configMutex = new Mutex(machine.kernel(), "&test_dev->config_mutex");
        }
    }

    /** The first (only) test device, or null. */
    public Device firstTestDevice() {
        TestSysfsDevice t = firstTestDev;
        return t == null ? null : t.dev;
    }

    // ---------------------------------------------------------------- init / exit

    @Override
    public void init() {
        parseParams(self.params());
        if (testDevtype == TESTDEV_TYPE_BLOCK) {
            sysfsTestMajor = machine.blockLayer().registerBlkdev(0, NAME);
        }
        firstTestDev = registerTestDevSetConfig();
        if (firstTestDev == null) {
            if (testDevtype == TESTDEV_TYPE_BLOCK) {
                machine.blockLayer().unregisterBlkdev(sysfsTestMajor, NAME);
            }
            throw new ErrnoException(Errno.ENOMEM, "test_sysfs: could not register the test device");
        }
        if (enableDebugfs) {
            Debugfs dfs = machine.debugfs();
            debugfsDir = dfs.createDir(null, NAME);
            dfs.createFile(debugfsDir, "reset_first_test_dev", 0600, self, new Debugfs.FileOps() {
                @Override
                public String read() {
                    synchronized (TestSysfsModule.this) {
                        resetFirstTestDevReads = (resetFirstTestDevReads + 1) & 0xFF;
                        return resetFirstTestDevReads + "\n";
                    }
                }

                @Override
                public int write(byte[] data, int len) {
                    return writeResetFirstTestDev(len);
                }
            });
        }
    }

    @Override
    public void exit() {
        if (enableDebugfs) {
            machine.debugfs().remove(debugfsDir);
        }
        if (enableCompletionOnRmmod) {
            machine.kernfs().failureInjection().completion().complete();
        }
        if (delayRmmodMs > 0) {
            msleep(delayRmmodMs);
        }
        TestSysfsDevice t = firstTestDev;
        if (t != null) {
            unregisterTestDevSysfs(t);
        }
        if (enableVerboseRmmod) {
            log.info(NAME + ": unregister_test_dev_sysfs() completed");
        }
        firstTestDev = null;
        if (testDevtype == TESTDEV_TYPE_BLOCK) {
            machine.blockLayer().unregisterBlkdev(sysfsTestMajor, NAME);
        }
    }

    private void parseParams(Map<String, String> params) {
        for (Map.Entry<String, String> e : params.entrySet()) {
            String key = e.getKey();
            String val = e.getValue() == null ? "1" : e.getValue();
            try {
                switch (key) {
                    case "enable_lock": enableLock = Kstrtox.kstrtobool(val); break;
                    case "enable_lock_on_rmmod": enableLockOnRmmod = Kstrtox.kstrtobool(val); break;
                    case "use_rtnl_lock": useRtnlLock = Kstrtox.kstrtobool(val); break;
                    case "enable_busy_alloc": enableBusyAlloc = Kstrtox.kstrtobool(val); break;
                    case "enable_debugfs": enableDebugfs = Kstrtox.kstrtobool(val); break;
                    case "enable_verbose_writes": enableVerboseWrites = Kstrtox.kstrtobool(val); break;
                    case "enable_verbose_rmmod": enableVerboseRmmod = Kstrtox.kstrtobool(val); break;
                    case "enable_completion_on_rmmod": enableCompletionOnRmmod = Kstrtox.kstrtobool(val); break;
                    case "write_delay_msec_y": writeDelayMsecY = Kstrtox.kstrtouint(val, 0); break;
                    case "devtype": testDevtype = Kstrtox.kstrtouint(val, 0); break;
                    case "delay_rmmod_ms": delayRmmodMs = Kstrtox.kstrtouint(val, 0); break;
                    default: break;
                }
            } catch (ErrnoException ex) {
                log.warn(NAME + ": `" + val + "' invalid for parameter `" + key + "'");
                throw new ErrnoException(Errno.EINVAL, "invalid value '" + val + "' for parameter " + key);
            }
        }
    }

    // ---------------------------------------------------------------- device registration

    private TestSysfsDevice allocTestDevSysfs(int idx) {
        if (testDevtype != TESTDEV_TYPE_MISC && testDevtype != TESTDEV_TYPE_BLOCK) {
            return null;
        }
        TestSysfsDevice t = new TestSysfsDevice(machine, (int) testDevtype, idx);
        if (t.devtype == TESTDEV_TYPE_MISC) {
            t.miscDev = MiscDevice.of(NAME + idx, testDevGroups, self, t);
        } else {
            QueueLimits limits = QueueLimits.defaults().withPhysicalBlockSize(PageBuffer.PAGE_SIZE)
                    .withDiscard(0, QueueLimits.UINT_MAX).withRotational(false);
            t.disk = machine.blockLayer().allocDisk(NAME + idx, sysfsTestMajor, idx + 1, new TestBlockDevice(NAME + idx),
                    limits, self, t);
        }
        return t;
    }

    private TestSysfsDevice registerTestDevSysfs() {
        TestSysfsDevice t = allocTestDevSysfs(0);
        if (t == null) {
            return null;
        }
        try {
            if (t.devtype == TESTDEV_TYPE_MISC) {
                machine.misc().register(t.miscDev);
                t.dev = t.miscDev.thisDevice();
            } else {
                machine.blockLayer().addDisk(t.disk, testDevGroups);
                t.dev = t.disk.device();
            }
        } catch (ErrnoException e) {
            log.err(NAME + ": could not register " + (t.devtype == TESTDEV_TYPE_MISC ? "misc" : "block") + " device: "
                    + e.errno().negative());
            return null;
        }
        devInfo(t, "interface ready");
        return t;
    }

    private TestSysfsDevice registerTestDevSetConfig() {
        TestSysfsDevice t = registerTestDevSysfs();
        if (t == null) {
            return null;
        }
        TestConfig c = t.config;
        if (enableLock) {
            c.enableLock = true;
        }
        if (enableLockOnRmmod) {
            c.enableLockOnRmmod = true;
        }
        if (useRtnlLock) {
            c.useRtnlLock = true;
        }
        if (enableBusyAlloc) {
            c.enableBusyAlloc = true;
        }
        c.writeDelayMsecY = (int) writeDelayMsecY;
        resetVals(t);
        return t;
    }

    private void unregisterTestDevSysfs(TestSysfsDevice t) {
        boolean locked = configLockRmmod(t);
        try {
            devInfo(t, "removing interface");
            if (t.devtype == TESTDEV_TYPE_MISC) {
                machine.misc().deregister(t.miscDev);
            } else {
                machine.blockLayer().delGendisk(t.disk);
            }
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int writeResetFirstTestDev(int count) {
        if (!self.tryGet()) {
            throw new ErrnoException(Errno.ENODEV, "test_sysfs is going away");
        }
        try {
            TestSysfsDevice t = firstTestDev;
            if (t == null) {
                throw new ErrnoException(Errno.ENODEV, "no first test device");
            }
            devInfo(t, "going to reset first interface ...");
            unregisterTestDevSysfs(t);
            firstTestDev = registerTestDevSetConfig();
            TestSysfsDevice n = firstTestDev;
            if (n != null) {
                devInfo(n, "first interface reset complete");
            }
            return count;
        } finally {
            self.put();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void devInfo(TestSysfsDevice t, String msg) {
        Device d = t.dev;
        log.info((d == null ? NAME + ": " : d.logPrefix()) + msg);
    }

    private static TestSysfsDevice devToTestDev(Device dev) {
        Object data = dev.driverData();
        if (data instanceof MiscDevice) {
            return ((MiscDevice) data).privateData(TestSysfsDevice.class);
        }
        return ((GenDisk) data).privateData(TestSysfsDevice.class);
    }

    /** test_dev_config_lock(): returns whether a lock was taken, so unlock matches even if the knobs flip. */
    private boolean configLock(TestSysfsDevice t) {
        if (!t.config.enableLock) {
            return false;
        }
        if (t.config.useRtnlLock) {
            machine.rtnlMutex().lock();
        } else {
            t.configMutex.lock();
        }
        return true;
    }

    private void configUnlock(TestSysfsDevice t) {
        if (machine.rtnlMutex().isHeldByCurrentThread()) {
            machine.rtnlMutex().unlock();
        } else if (t.configMutex.isHeldByCurrentThread()) {
            t.configMutex.unlock();
        }
    }

    private boolean configLockRmmod(TestSysfsDevice t) {
        return t.config.enableLockOnRmmod && configLock(t);
    }

    private static void resetVals(TestSysfsDevice t) {
        t.x = 3;
        t.y = 4;
    }

    private void busyAlloc(TestSysfsDevice t) {
        if (!t.config.enableBusyAlloc) {
            return;
        }
        byte[] ignore = new byte[1024];
        ignore[0] = 1;
        Thread.yield();
    }

    /** msleep(): not interruptible in the kernel; an interrupt is kept for the next wait. */
    private static void msleep(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        boolean interrupted = false;
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- attributes

    private int configShow(Device dev, PageBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        TestConfig c = t.config;
        boolean locked = configLock(t);
        try {
            int len = buf.snprintf(0, "Configuration for: " + dev.name() + "\n");
            len += buf.snprintf(len, "x:\t" + t.x + "\n");
            len += buf.snprintf(len, "y:\t" + t.y + "\n");
            len += buf.snprintf(len, "enable_lock:\t" + c.enableLock + "\n");
            len += buf.snprintf(len, "enable_lock_on_rmmmod:\t" + c.enableLockOnRmmod + "\n");
            len += buf.snprintf(len, "use_rtnl_lock:\t" + c.useRtnlLock + "\n");
            len += buf.snprintf(len, "write_delay_msec_y:\t" + c.writeDelayMsecY + "\n");
            len += buf.snprintf(len, "enable_busy_alloc:\t" + c.enableBusyAlloc + "\n");
            len += buf.snprintf(len, "enable_debugfs:\t" + enableDebugfs + "\n");
            len += buf.snprintf(len, "enable_verbose_writes:\t" + enableVerboseWrites + "\n");
            len += buf.snprintf(len, "enable_completion_on_rmmod:\t" + enableCompletionOnRmmod + "\n");
            return len;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int resetStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        TestConfig c = t.config;
        c.enableLock = false;
        c.enableLockOnRmmod = false;
        c.useRtnlLock = false;
        c.enableBusyAlloc = false;
        resetVals(t);
        log.info(dev.logPrefix() + "reset");
        return buf.count();
    }

    private int testDevXStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        busyAlloc(t);
        boolean locked = configLock(t);
        try {
            int count = buf.count();
            try {
                t.x = Kstrtox.kstrtoint(buf.text(), 10);
            } catch (ErrnoException e) {
                count = e.errno().negative();
            }
            if (enableVerboseWrites) {
                log.info(dev.logPrefix() + "wrote x = " + t.x);
            }
            return count;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int testDevXShow(Device dev, PageBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        boolean locked = configLock(t);
        try {
            return buf.snprintf(0, t.x + "\n");
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int testDevYStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        busyAlloc(t);
        boolean locked = configLock(t);
        try {
            int count = buf.count();
            int y = 0; // uninitialised stack in the original when the parse fails
            try {
                y = Kstrtox.kstrtoint(buf.text(), 10);
            } catch (ErrnoException e) {
                count = e.errno().negative();
            }
            msleep(t.config.writeDelayMsecY);
            t.y = t.x + y + 7;
            if (enableVerboseWrites) {
                log.info(dev.logPrefix() + "wrote y = " + t.y);
            }
            return count;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int testDevYShow(Device dev, PageBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        boolean locked = configLock(t);
        try {
            return buf.snprintf(0, t.y + "\n");
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int configEnableLockStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        int val = Kstrtox.kstrtoint(buf.text(), 10);
        t.config.enableLock = val != 0;
        return buf.count();
    }

    private int configEnableLockShow(Device dev, PageBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        boolean locked = configLock(t);
        try {
            return buf.snprintf(0, (t.config.enableLock ? 1 : 0) + "\n");
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int configEnableLockOnRmmodStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        int val = Kstrtox.kstrtoint(buf.text(), 10);
        boolean locked = configLock(t);
        try {
            t.config.enableLockOnRmmod = val != 0;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
        return buf.count();
    }

    private int configEnableLockOnRmmodShow(Device dev, PageBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        boolean locked = configLock(t);
        try {
            return buf.snprintf(0, (t.config.enableLockOnRmmod ? 1 : 0) + "\n");
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
    }

    private int configUseRtnlLockStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        int val = Kstrtox.kstrtoint(buf.text(), 10);
        t.config.useRtnlLock = val != 0;
        return buf.count();
    }

    private int configUseRtnlLockShow(Device dev, PageBuffer buf) {
        return buf.snprintf(0, (devToTestDev(dev).config.useRtnlLock ? 1 : 0) + "\n");
    }

    private int configWriteDelayStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        int val = Kstrtox.kstrtoint(buf.text(), 10);
        boolean locked = configLock(t);
        try {
            t.config.writeDelayMsecY = val;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
        return buf.count();
    }

    private int configWriteDelayShow(Device dev, PageBuffer buf) {
        return buf.snprintf(0, devToTestDev(dev).config.writeDelayMsecY + "\n");
    }

    private int configBusyAllocStore(Device dev, StoreBuffer buf) {
        TestSysfsDevice t = devToTestDev(dev);
        int val = Kstrtox.kstrtoint(buf.text(), 10);
        boolean locked = configLock(t);
        try {
            t.config.enableBusyAlloc = val != 0;
        } finally {
            if (locked) {
                configUnlock(t);
            }
        }
        return buf.count();
    }

    private int configBusyAllocShow(Device dev, PageBuffer buf) {
        return buf.snprintf(0, (devToTestDev(dev).config.enableBusyAlloc ? 1 : 0) + "\n");
    }

    // ---------------------------------------------------------------- the block flavour's disk

    /** sysfs_testdev_ops: capacity 0, open answers EINVAL (testdev_open), no I/O. */
    private static final class TestBlockDevice implements BlockDevice {
        private final String name;

        TestBlockDevice(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long capacity() {
            return 0;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            throw new ErrnoIOException(Errno.EOPNOTSUPP, "test_sysfs disks do no I/O");
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            throw new ErrnoIOException(Errno.EOPNOTSUPP, "test_sysfs disks do no I/O");
        }

        @Override
        public void discard(long offset, long length) throws IOException {
            throw new ErrnoIOException(Errno.EOPNOTSUPP, "test_sysfs disks do no I/O");
        }

        @Override
        public void writeZeroes(long offset, long length) throws IOException {
            throw new ErrnoIOException(Errno.EOPNOTSUPP, "test_sysfs disks do no I/O");
        }

        @Override
        public void flush() {
        }

        @Override
        public BlockState blockState(long offset) {
            return BlockState.HOLE;
        }

        @Override
        public Opener open() throws IOException {
            throw new ErrnoIOException(Errno.EINVAL, "testdev_open refuses every open");
        }
    }
}
