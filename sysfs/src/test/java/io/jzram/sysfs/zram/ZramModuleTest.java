// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static io.jzram.sysfs.zram.ZramTesting.Z0;
import static io.jzram.sysfs.zram.ZramTesting.errnoOf;
import static io.jzram.sysfs.zram.ZramTesting.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.Zcomp;
import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import io.jzram.kernel.module.ModuleState;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The zram module: load, the files it makes (names, modes, formats), zram-control, unload. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ZramModuleTest {

    private Machine m;
    private long marker;

    @BeforeEach
    void boot() {
        m = ZramTesting.machine(ZramFixes.UPSTREAM, ZramKconfig.full());
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    @Test
    void loadMakesOneDeviceWithTheKernelsFiles() {
        m.modprobe("zram");
        ZramDriver d = m.zram().loaded();
        assertThat(d.fixes()).isEqualTo(ZramFixes.UPSTREAM);
        assertThat(m.ls("/sys/block")).contains("zram0").doesNotContain("zram1");
        assertThat(m.ls("/dev")).contains("zram0");
        assertThat(m.kernel().log().dmesgSince(marker)).contains("zram: Added device: zram0");
        assertThat(m.hotplug().stateName(CpuhpState.ZCOMP_PREPARE)).isEqualTo(Zcomp.STATE_NAME);

        String[][] modes = {
            {"disksize", "-rw-r--r--"}, {"initstate", "-r--r--r--"}, {"reset", "--w-------"}, {"compact", "--w-------"},
            {"mem_limit", "--w-------"}, {"mem_used_max", "--w-------"}, {"idle", "--w-------"},
            {"comp_algorithm", "-rw-r--r--"}, {"backing_dev", "-rw-r--r--"}, {"writeback", "--w-------"},
            {"writeback_limit", "-rw-r--r--"}, {"writeback_limit_enable", "-rw-r--r--"}, {"io_stat", "-r--r--r--"},
            {"mm_stat", "-r--r--r--"}, {"bd_stat", "-r--r--r--"}, {"debug_stat", "-r--r--r--"},
            {"recomp_algorithm", "-rw-r--r--"}, {"recompress", "--w-------"}, {"algorithm_params", "--w-------"},
            {"stat", "-r--r--r--"}, {"size", "-r--r--r--"}, {"dev", "-r--r--r--"},
        };
        for (String[] e : modes) {
            assertThat(m.stat(Z0 + e[0]).modeString()).as(e[0]).isEqualTo(e[1]);
        }
        assertThat(m.ls("/sys/class/zram-control")).containsExactly("hot_add", "hot_remove");
        assertThat(m.stat("/sys/class/zram-control/hot_add").modeString()).isEqualTo("-r--------");
        assertThat(m.stat("/sys/class/zram-control/hot_remove").modeString()).isEqualTo("--w-------");
        FileStat dev = m.stat("/dev/zram0");
        assertThat(dev.type()).isEqualTo(FileStat.Type.BLOCK_DEVICE);
        assertThat(dev.major()).isEqualTo(d.major());
        assertThat(dev.minor()).isZero();
        assertThat(m.cat(Z0 + "dev")).isEqualTo(d.major() + ":0\n");
    }

    @Test
    void realKernelConfigurationHasNoOptionalFiles() {
        m.close();
        m = ZramTesting.machine(ZramFixes.UPSTREAM, ZramKconfig.realKernel());
        marker = m.kernel().log().marker();
        m.modprobe("zram");
        List<String> files = m.ls("/sys/block/zram0");
        assertThat(files).contains("disksize", "initstate", "reset", "compact", "mem_limit", "mem_used_max", "idle",
                "comp_algorithm", "io_stat", "mm_stat", "debug_stat", "algorithm_params");
        assertThat(files).doesNotContain("backing_dev", "writeback", "writeback_limit", "writeback_limit_enable",
                "bd_stat", "recomp_algorithm", "recompress");
    }

    @Test
    void formatsOfAFreshDevice() {
        m.modprobe("zram");
        String algos = String.join(" ", m.zram().backends().names());
        assertThat(m.cat(Z0 + "disksize")).isEqualTo("0\n");
        assertThat(m.cat(Z0 + "initstate")).isEqualTo("0\n");
        assertThat(m.cat(Z0 + "mm_stat")).isEqualTo("       0        0        0        0        0        0        0        0        0\n");
        assertThat(m.cat(Z0 + "io_stat")).isEqualTo("       0        0 0        0\n");
        assertThat(m.cat(Z0 + "debug_stat")).isEqualTo("version: 1\n0        0\n");
        assertThat(m.cat(Z0 + "bd_stat")).isEqualTo("       0        0        0\n");
        assertThat(m.cat(Z0 + "backing_dev")).isEqualTo("none\n");
        assertThat(m.cat(Z0 + "writeback_limit")).isEqualTo("0\n");
        assertThat(m.cat(Z0 + "writeback_limit_enable")).isEqualTo("0\n");
        assertThat(m.cat(Z0 + "recomp_algorithm")).isEmpty();
        assertThat(m.cat(Z0 + "comp_algorithm")).isEqualTo(algos.replaceFirst("^lzo-rle\\b", "[lzo-rle]") + " \n"); // CONFIG_ZRAM_DEF_COMP
        assertThat(m.cat(Z0 + "stat")).isEqualTo(
                "       0        0        0        0        0        0        0        0        0        0        0        0        0        0        0        0        0\n");
        assertThat(m.cat(Z0 + "queue/logical_block_size")).isEqualTo("4096\n");
        assertThat(m.cat(Z0 + "queue/physical_block_size")).isEqualTo("4096\n");
        assertThat(m.cat(Z0 + "queue/discard_granularity")).isEqualTo("4096\n");
        assertThat(m.cat(Z0 + "queue/write_zeroes_max_bytes")).isEqualTo("2199023255040\n");
        assertThat(m.cat(Z0 + "queue/max_sectors_kb")).isEqualTo("124\n");
        assertThat(m.cat(Z0 + "queue/rotational")).isEqualTo("0\n");

        assertThat(store(m, Z0 + "recomp_algorithm", "algo=zstd priority=2")).isEqualTo("20");
        assertThat(m.cat(Z0 + "recomp_algorithm")).startsWith("#2: ").contains("[zstd]");
        assertThat(store(m, Z0 + "disksize", "64M")).isEqualTo("3");
        assertThat(m.cat(Z0 + "size")).isEqualTo((64 << 11) + "\n");
        assertThat(m.cat(Z0 + "initstate")).isEqualTo("1\n");
        assertThat(m.cat(Z0 + "mm_stat")).isEqualTo("       0        0        0        0        0        0        0        0        0\n");
        assertThat(store(m, Z0 + "reset", "1")).isEqualTo("1");
        assertThat(m.cat(Z0 + "recomp_algorithm")).isEmpty();
    }

    @Test
    void hotAddGivesTheLowestFreeIdAndHotRemoveChecks() {
        m.modprobe("zram", "num_devices=2");
        assertThat(m.ls("/sys/block")).contains("zram0", "zram1");
        assertThat(m.cat("/sys/class/zram-control/hot_add")).isEqualTo("2\n");
        assertThat(m.cat("/sys/class/zram-control/hot_add")).isEqualTo("3\n");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "1")).isEqualTo("1");
        assertThat(m.exists("/sys/block/zram1")).isFalse();
        assertThat(m.exists("/dev/zram1")).isFalse();
        assertThat(m.cat("/sys/class/zram-control/hot_add")).isEqualTo("1\n");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "9")).isEqualTo("ENODEV");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "-1")).isEqualTo("EINVAL");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "abc")).isEqualTo("EINVAL");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "0x1")).isEqualTo("EINVAL");
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "99999999999")).isEqualTo("ERANGE");
        assertThat(errnoOf(() -> m.cat("/sys/class/zram-control/hot_remove"))).isEqualTo(Errno.EACCES);
        assertThat(store(m, "/sys/class/zram-control/hot_add", "1")).isEqualTo("EACCES");
        // an open device cannot be removed
        var f = m.open("/dev/zram2");
        try {
            assertThat(store(m, "/sys/class/zram-control/hot_remove", "2")).isEqualTo("EBUSY");
            assertThat(store(m, "/sys/block/zram2/reset", "1")).isEqualTo("EBUSY");
        } finally {
            f.close();
        }
        assertThat(store(m, "/sys/class/zram-control/hot_remove", "2")).isEqualTo("1");
        List<Integer> ids = new ArrayList<>();
        for (ZramDisk z : m.zram().loaded().devices()) {
            ids.add(z.id());
        }
        assertThat(ids).containsExactly(0, 1, 3);
        assertThat(m.kernel().log().dmesgSince(marker)).contains("zram: Removed device: zram1", "zram: Removed device: zram2");
    }

    @Test
    void unloadRemovesEverything() {
        int majorsBefore = m.blockLayer().majors().size();
        m.modprobe("zram", "num_devices=3");
        assertThat(store(m, "/sys/block/zram1/disksize", "1M")).isEqualTo("2");
        m.rmmod("zram");
        assertThat(m.zram().driver()).isEmpty();
        assertThat(m.zram().lastDriver().self().state()).isEqualTo(ModuleState.UNLOADED);
        assertThat(m.ls("/sys/block")).noneMatch(n -> n.startsWith("zram"));
        assertThat(m.ls("/dev")).noneMatch(n -> n.startsWith("zram"));
        assertThat(m.exists("/sys/class/zram-control")).isFalse();
        assertThat(m.exists("/sys/devices/virtual/block/zram0")).isFalse();
        assertThat(m.blockLayer().majors()).hasSize(majorsBefore);
        assertThat(Zcomp.stateRegistered(m.hotplug())).isFalse();
        assertThat(m.zram().lastDriver().memoryHeld().nativeBytes()).isZero();
        assertThat(m.kernel().log().dmesgSince(marker)).contains("zram: Removed device: zram0", "zram: Removed device: zram2");
        // and again
        m.modprobe("zram");
        assertThat(m.cat(Z0 + "initstate")).isEqualTo("0\n");
        m.rmmod("zram");
    }

    @Test
    void moduleParameters() {
        assertThat(errnoOf(() -> m.modprobe("zram", "num_devices=abc"))).isEqualTo(Errno.EINVAL);
        assertThat(m.kernel().log().dmesgSince(marker)).contains("zram: `abc' invalid for parameter `num_devices'");
        assertThat(errnoOf(() -> m.modprobe("zram", "fixes=bogus"))).isEqualTo(Errno.EINVAL);
        assertThat(m.zram().driver()).isEmpty();
        assertThat(Zcomp.stateRegistered(m.hotplug())).isFalse();
        m.modprobe("zram", "num_devices=0", "fixes=none");
        assertThat(m.zram().loaded().fixes()).isEqualTo(ZramFixes.NONE);
        assertThat(m.zram().loaded().devices()).isEmpty();
        assertThat(m.cat("/sys/class/zram-control/hot_add")).isEqualTo("0\n");
        m.rmmod("zram");
        m.modprobe("zram", "num_devices=4", "fixes=ALL");
        assertThat(m.zram().loaded().fixes()).isEqualTo(ZramFixes.ALL);
        assertThat(m.zram().loaded().isUp()).isTrue();
        assertThat(m.ownerReferenceFix()).isTrue();
        assertThat(m.zram().loaded().devices()).hasSize(4);
        m.rmmod("zram");
        assertThat(m.zram().lastDriver().isUp()).isFalse();
    }

    @Test
    void openDeviceHoldsTheModule() {
        m.modprobe("zram");
        store(m, Z0 + "disksize", "1M");
        var f = m.open("/dev/zram0");
        try {
            assertThat(errnoOf(() -> m.rmmod("zram"))).isEqualTo(Errno.EWOULDBLOCK);
        } finally {
            f.close();
        }
        m.rmmod("zram");
    }
}
