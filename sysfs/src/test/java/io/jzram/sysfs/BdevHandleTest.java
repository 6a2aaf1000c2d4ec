// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import static io.jzram.sysfs.MachineFileApiTest.errnoOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Machine.openBlockDevice: the module reference and the device open, held together, released together. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BdevHandleTest {

    private Machine m;
    private long marker;
    private RamDisk ram;
    private GenDisk disk;

    @BeforeEach
    void boot() {
        m = Machine.builder().cpus(2).build();
        marker = m.kernel().log().marker();
        m.modules().register("ramdrv", Set.of(), self -> new ModuleLoader.ModuleCode() {
            int major;

            @Override
            public void init() {
                major = m.blockLayer().registerBlkdev(0, "ramdrv");
                ram = new RamDisk("ramd0", 16384);
                disk = m.blockLayer().allocDisk("ramd0", major, 0, ram, QueueLimits.defaults(), self, null);
                m.blockLayer().addDisk(disk, List.of());
            }

            @Override
            public void exit() {
                m.blockLayer().delGendisk(disk);
                m.blockLayer().unregisterBlkdev(major, "ramdrv");
            }
        });
    }

    @AfterEach
    void shutdown() {
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    @Test
    void holdsModuleAndDeviceUntilClosed() throws IOException {
        Module mod = m.modprobe("ramdrv");
        BdevHandle h = m.openBlockDevice("/sys/block/../../dev/ramd0");
        assertThat(h.disk()).isSameAs(disk);
        assertThat(h.path()).isEqualTo("/sys/block/../../dev/ramd0");
        assertThat(mod.refcount()).isEqualTo(1);
        assertThat(ram.openers.get()).isEqualTo(1);
        assertThat(errnoOf(() -> m.rmmod("ramdrv"))).isEqualTo(Errno.EWOULDBLOCK);
        // the I/O goes through the block layer, so the disk's stat counts it
        h.device().write(0, ByteBuffer.wrap(new byte[4096]));
        h.device().read(0, ByteBuffer.allocate(4096));
        String[] stat = m.cat("/sys/block/ramd0/stat").trim().split("\\s+");
        assertThat(stat[0]).isEqualTo("1");
        assertThat(stat[4]).isEqualTo("1");
        h.close();
        h.close();
        assertThat(mod.refcount()).isZero();
        assertThat(ram.openers.get()).isZero();
        m.rmmod("ramdrv");
        assertThat(errnoOf(() -> m.openBlockDevice("/dev/ramd0"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> m.openBlockDevice(disk))).isEqualTo(Errno.ENXIO);
    }

    @Test
    void anOpenFileAndAHandleShareTheMechanism() {
        Module mod = m.modprobe("ramdrv");
        try (MachineFile f = m.open("/dev/ramd0"); BdevHandle h = m.openBlockDevice(disk)) {
            assertThat(mod.refcount()).isEqualTo(2);
            assertThat(ram.openers.get()).isEqualTo(2);
            assertThat(f.blockDevice()).isSameAs(h.device()).isSameAs(m.blockDevice("/dev/ramd0"));
        }
        assertThat(mod.refcount()).isZero();
        assertThat(ram.openers.get()).isZero();
    }

    @Test
    void refusals() {
        m.modprobe("ramdrv");
        assertThat(errnoOf(() -> m.openBlockDevice("/dev/zero"))).isEqualTo(Errno.ENOTBLK);
        assertThat(errnoOf(() -> m.openBlockDevice("/sys/block/ramd0"))).isEqualTo(Errno.ENOTBLK);
        assertThat(errnoOf(() -> m.openBlockDevice("/dev/nope"))).isEqualTo(Errno.ENOENT);
        GenDisk unadded = m.blockLayer().allocDisk("ramd9", 1, 0, new RamDisk("ramd9", 4096), QueueLimits.defaults(), null, null);
        assertThat(errnoOf(() -> m.openBlockDevice(unadded))).isEqualTo(Errno.ENXIO);
        assertThat(m.modules().find("ramdrv").orElseThrow().refcount()).isZero();
    }
}
