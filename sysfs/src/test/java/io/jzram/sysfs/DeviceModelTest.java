// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import static io.jzram.sysfs.MachineFileApiTest.errnoOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** misc devices, disks, classes and /dev through the machine's file API. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeviceModelTest {

    private Machine m;
    private long marker;

    @BeforeEach
    void boot() {
        m = Machine.builder().cpus(2).build();
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    private static final Attribute<Device> HELLO = Attribute.ro("hello", (d, b) -> b.emit("hello " + d.name() + "\n"));

    @Test
    void miscDeviceLayout() {
        MiscDevice md = MiscDevice.of("gizmo", AttributeGroup.groups(AttributeGroup.of(HELLO)), null, "priv");
        m.misc().register(md);
        assertThat(md.minor()).isEqualTo(127);
        String d = "/sys/devices/virtual/misc/gizmo";
        assertThat(m.ls(d)).containsExactly("dev", "hello", "power", "subsystem", "uevent");
        assertThat(m.cat(d + "/hello")).isEqualTo("hello gizmo\n");
        assertThat(m.cat(d + "/dev")).isEqualTo("10:127\n");
        assertThat(m.cat(d + "/uevent")).isEqualTo("MAJOR=10\nMINOR=127\nDEVNAME=gizmo\n");
        assertThat(m.readlink("/sys/class/misc/gizmo")).isEqualTo("../../devices/virtual/misc/gizmo");
        assertThat(m.readlink(d + "/subsystem")).isEqualTo("../../../../class/misc");
        assertThat(m.cat("/sys/class/misc/gizmo/hello")).isEqualTo("hello gizmo\n");
        FileStat st = m.stat("/dev/gizmo");
        assertThat(st.type()).isEqualTo(FileStat.Type.CHAR_DEVICE);
        assertThat(st.modeString()).isEqualTo("crw-------");
        assertThat(errnoOf(() -> m.open("/dev/gizmo"))).isEqualTo(Errno.ENODEV);
        assertThat(errnoOf(() -> m.misc().register(MiscDevice.of("gizmo", List.of(), null, null)))).isEqualTo(Errno.EEXIST);
        assertThat(m.kernel().log().dmesgSince(marker)).contains("cannot create duplicate filename '/devices/virtual/misc/gizmo'");
        marker = m.kernel().log().marker();
        m.misc().deregister(md);
        assertThat(m.exists(d)).isFalse();
        assertThat(m.exists("/sys/class/misc/gizmo")).isFalse();
        assertThat(m.exists("/dev/gizmo")).isFalse();
        assertThat(m.ls("/sys/devices/virtual")).doesNotContain("misc");
    }

    @Test
    void diskLayoutIoAndAccounting() {
        int major = m.blockLayer().registerBlkdev(0, "ram");
        assertThat(major).isEqualTo(254);
        RamDisk ram = new RamDisk("ram0", 64 * 1024);
        GenDisk disk = m.blockLayer().allocDisk("ram0", major, 0, ram, QueueLimits.zram(), null, "priv");
        m.blockLayer().addDisk(disk, AttributeGroup.groups(AttributeGroup.of(HELLO)));
        assertThat(m.readlink("/sys/block/ram0")).isEqualTo("../devices/virtual/block/ram0");
        assertThat(m.readlink("/sys/class/block/ram0")).isEqualTo("../../devices/virtual/block/ram0");
        assertThat(m.cat("/sys/block/ram0/hello")).isEqualTo("hello ram0\n");
        assertThat(m.cat("/sys/block/ram0/size")).isEqualTo("128\n");
        assertThat(m.cat("/sys/block/ram0/dev")).isEqualTo(major + ":0\n");
        assertThat(m.cat("/sys/block/ram0/queue/logical_block_size")).isEqualTo("4096\n");
        assertThat(m.cat("/sys/block/ram0/queue/physical_block_size")).isEqualTo("4096\n");
        assertThat(m.cat("/sys/block/ram0/queue/discard_granularity")).isEqualTo("4096\n");
        assertThat(m.cat("/sys/block/ram0/queue/write_zeroes_max_bytes")).isEqualTo("2199023255040\n");
        assertThat(m.cat("/sys/block/ram0/queue/rotational")).isEqualTo("0\n");
        String zeros = "       0        0        0        0        0        0        0        0        0        0        0"
                + "        0        0        0        0        0        0\n";
        assertThat(m.cat("/sys/block/ram0/stat")).isEqualTo(zeros);
        FileStat st = m.stat("/dev/ram0");
        assertThat(st.type()).isEqualTo(FileStat.Type.BLOCK_DEVICE);
        assertThat(st.modeString()).isEqualTo("brw-rw----");
        assertThat(st.size()).isEqualTo(64 * 1024);
        try (MachineFile f = m.open("/dev/ram0", OpenFlag.RDWR)) {
            assertThat(ram.openers.get()).isEqualTo(1);
            byte[] page = new byte[4096];
            page[0] = 7;
            assertThat(f.write(page)).isEqualTo(4096);
            assertThat(f.write(page)).isEqualTo(4096);
            f.seek(0);
            byte[] back = new byte[4096];
            assertThat(f.read(back)).isEqualTo(4096);
            assertThat(back[0]).isEqualTo((byte) 7);
            f.seek(64 * 1024);
            assertThat(f.read(back)).isZero();
            assertThat(errnoOf(() -> f.write(page))).isEqualTo(Errno.ENOSPC);
        }
        assertThat(ram.openers.get()).isZero();
        assertThat(m.blockDevice("/dev/ram0").capacity()).isEqualTo(64 * 1024);
        assertThat(m.blockDevice("/sys/block/../../dev/ram0").name()).isEqualTo("ram0");
        assertThat(errnoOf(() -> m.blockDevice("/dev/zero"))).isEqualTo(Errno.ENOTBLK);
        assertThat(errnoOf(() -> m.blockDevice("/dev/nope"))).isEqualTo(Errno.ENOENT);
        String stat = m.cat("/sys/block/ram0/stat");
        String[] fields = stat.trim().split("\\s+");
        assertThat(fields).hasSize(17);
        assertThat(fields[0]).isEqualTo("1");
        assertThat(fields[2]).isEqualTo("8");
        assertThat(fields[4]).isEqualTo("2");
        assertThat(fields[6]).isEqualTo("16");
        m.blockLayer().delGendisk(disk);
        assertThat(m.exists("/sys/block/ram0")).isFalse();
        assertThat(m.exists("/sys/devices/virtual/block/ram0")).isFalse();
        assertThat(m.exists("/dev/ram0")).isFalse();
        assertThat(errnoOf(() -> m.blockLayer().registerBlkdev(major, "other"))).isEqualTo(Errno.EBUSY);
        m.blockLayer().unregisterBlkdev(major, "ram");
    }

    @Test
    void openDiskHoldsItsDriverModule() {
        GenDisk[] disk = new GenDisk[1];
        m.modules().register("ramdrv", Set.of(), self -> new ModuleLoader.ModuleCode() {
            int major;

            @Override
            public void init() {
                major = m.blockLayer().registerBlkdev(0, "ramdrv");
                disk[0] = m.blockLayer().allocDisk("ramd0", major, 0, new RamDisk("ramd0", 8192), QueueLimits.defaults(), self, null);
                m.blockLayer().addDisk(disk[0], List.of());
            }

            @Override
            public void exit() {
                m.blockLayer().delGendisk(disk[0]);
                m.blockLayer().unregisterBlkdev(major, "ramdrv");
            }
        });
        Module mod = m.modprobe("ramdrv");
        MachineFile f = m.open("/dev/ramd0");
        assertThat(mod.refcount()).isEqualTo(1);
        assertThat(errnoOf(() -> m.rmmod("ramdrv"))).isEqualTo(Errno.EWOULDBLOCK);
        f.close();
        m.rmmod("ramdrv");
        assertThat(m.exists("/dev/ramd0")).isFalse();
        assertThat(m.blockLayer().majors()).doesNotContainValue("ramdrv");
    }

    @Test
    void classAttributesWithAdminModes() {
        AtomicInteger added = new AtomicInteger();
        Attribute<DeviceClass> hotAdd = Attribute.roMode("hot_add", 0400, (c, b) -> b.emitf("%d\n", added.getAndIncrement()));
        Attribute<DeviceClass> hotRemove = Attribute.wo("hot_remove", (c, b) -> b.count());
        DeviceClass control = DeviceClass.of("demo-control", AttributeGroup.attributeGroups(null, List.of(hotAdd, hotRemove)), null);
        m.driverCore().classRegister(control);
        assertThat(m.ls("/sys/class/demo-control")).containsExactly("hot_add", "hot_remove");
        assertThat(m.stat("/sys/class/demo-control/hot_add").modeString()).isEqualTo("-r--------");
        assertThat(m.stat("/sys/class/demo-control/hot_remove").modeString()).isEqualTo("--w-------");
        assertThat(m.cat("/sys/class/demo-control/hot_add")).isEqualTo("0\n");
        assertThat(m.cat("/sys/class/demo-control/hot_add")).isEqualTo("1\n");
        assertThat(errnoOf(() -> m.cat("/sys/class/demo-control/hot_remove"))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> m.writeString("/sys/class/demo-control/hot_add", "1"))).isEqualTo(Errno.EACCES);
        m.writeString("/sys/class/demo-control/hot_remove", "0");
        assertThat(errnoOf(() -> m.driverCore().classCreate("demo-control"))).isEqualTo(Errno.EEXIST);
        DeviceClass plain = m.driverCore().classCreate("plain");
        assertThat(m.ls("/sys/class/plain")).isEmpty();
        m.driverCore().classDestroy(plain);
        assertThat(m.exists("/sys/class/plain")).isFalse();
        m.driverCore().classUnregister(control);
        assertThat(m.exists("/sys/class/demo-control")).isFalse();
        assertThat(added.get()).isEqualTo(2);
    }

    @Test
    void debugfsKnobsForKernfsFailureInjection() {
        String d = "/sys/kernel/debug/kernfs/";
        assertThat(m.ls(d)).containsExactly("config_fail_kernfs_fop_write_iter", "fail_kernfs_fop_write_iter",
                "sleep_after_wait_ms", "wait_timeout_ms");
        assertThat(m.ls(d + "config_fail_kernfs_fop_write_iter")).containsExactly("wait_after_active", "wait_after_mutex",
                "wait_at_start", "wait_before_mutex");
        assertThat(m.ls(d + "fail_kernfs_fop_write_iter")).contains("interval", "probability", "space", "task-filter", "times",
                "verbose");
        assertThat(m.cat(d + "fail_kernfs_fop_write_iter/probability")).isEqualTo("0\n");
        assertThat(m.cat(d + "fail_kernfs_fop_write_iter/interval")).isEqualTo("1\n");
        assertThat(m.cat(d + "fail_kernfs_fop_write_iter/times")).isEqualTo("1\n");
        assertThat(m.cat(d + "fail_kernfs_fop_write_iter/verbose")).isEqualTo("2\n");
        assertThat(m.cat(d + "sleep_after_wait_ms")).isEqualTo("100\n");
        assertThat(m.cat(d + "wait_timeout_ms")).isEqualTo("3000\n");
        assertThat(m.cat(d + "config_fail_kernfs_fop_write_iter/wait_at_start")).isEqualTo("N\n");
        m.writeString(d + "config_fail_kernfs_fop_write_iter/wait_at_start", "1");
        assertThat(m.cat(d + "config_fail_kernfs_fop_write_iter/wait_at_start")).isEqualTo("Y\n");
        assertThat(m.kernfs().failureInjection().isArmed(io.jzram.sysfs.kernfs.KernfsFailureInjection.WaitPoint.AT_START)).isTrue();
        assertThat(errnoOf(() -> m.writeString(d + "config_fail_kernfs_fop_write_iter/wait_at_start", "2"))).isEqualTo(Errno.EINVAL);
        // debugfs is not kernfs: its knob writes never stop at the armed point, even once it fires
        m.writeString(d + "fail_kernfs_fop_write_iter/times", "-1\n");
        assertThat(m.cat(d + "fail_kernfs_fop_write_iter/times")).isEqualTo("-1\n");
        m.writeString(d + "fail_kernfs_fop_write_iter/probability", "0x64");
        assertThat(m.kernfs().failureInjection().faultAttr().probability()).isEqualTo(100);
        assertThat(errnoOf(() -> m.writeString(d + "fail_kernfs_fop_write_iter/interval", "x"))).isEqualTo(Errno.EINVAL);
        m.writeString(d + "sleep_after_wait_ms", "5");
        assertThat(m.kernfs().failureInjection().sleepAfterWait().toMillis()).isEqualTo(5);
        assertThat(m.stat(d + "sleep_after_wait_ms").modeString()).isEqualTo("-rw-------");
        assertThat(m.kernfs().failureInjection().faultAttr().failures()).isZero();
        m.writeString(d + "config_fail_kernfs_fop_write_iter/wait_at_start", "N");
    }

    @Test
    void deviceAddFailureUndoesEverything() {
        Attribute<Device> dup = Attribute.ro("uevent", (d, b) -> b.emit("x\n"));
        MiscDevice md = MiscDevice.of("broken", AttributeGroup.groups(AttributeGroup.of(dup)), null, null);
        try {
            m.misc().register(md);
            throw new AssertionError("registered");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.EEXIST);
        }
        assertThat(m.exists("/sys/devices/virtual/misc/broken")).isFalse();
        assertThat(m.exists("/dev/broken")).isFalse();
        marker = m.kernel().log().marker();
        m.misc().register(MiscDevice.of("broken", List.of(), null, null));
        assertThat(m.exists("/dev/broken")).isTrue();
    }
}
