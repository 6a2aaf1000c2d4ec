// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real bash against the emulated /sys, /dev/zramN and kernel: the errnos bash prints (EBUSY of a
 * reset while the device is open, EACCES of a read-only attribute), /dev/zramN appearing with
 * hot_add and modprobe and going with hot_remove and rmmod, kmod's messages and exit statuses
 * ("in use"), lsmod, dmesg; and the host's zram0 never in sight.
 */
@Timeout(120)
class SysfsAndModulesTest {
    private static final Duration T = Duration.ofSeconds(90);

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    @Test
    void bashSeesTheEmulatedMachineWithItsErrnosAndKmodsMessages() throws Exception {
        String script = String.join("\n",
                "cat /sys/block/zram0/disksize",
                "echo 64M > /sys/block/zram0/disksize && cat /sys/block/zram0/disksize",
                "blockdev --getsize64 /dev/zram0",
                "stat -c '%F %t:%T' /dev/zram0",
                "echo 1 > /sys/block/zram0/mm_stat; echo \"mm_stat write: $?\"",
                "exec 3</dev/zram0",
                "echo 1 > /sys/block/zram0/reset; echo \"reset while open: $?\"",
                "rmmod zram; echo \"rmmod while open: $?\"",
                "exec 3<&-",
                "echo 1 > /sys/block/zram0/reset; echo \"reset: $?\"",
                "n=$(cat /sys/class/zram-control/hot_add); echo \"hot_add: $n\"; ls /dev/zram$n",
                "echo $n > /sys/class/zram-control/hot_remove; echo \"hot_remove: $?\"; ls /dev/zram$n",
                "lsmod",
                "cat /sys/module/zram/refcnt /sys/module/zram/initstate",
                "modprobe -r zram; echo \"modprobe -r: $?\"; ls /dev/zram0; ls /sys/class/zram-control",
                "rmmod zram; echo \"rmmod again: $?\"",
                "modprobe zram num_devices=2; ls /dev/ | grep zram",
                "modprobe nosuchmodule; echo \"modprobe nosuchmodule: $?\"",
                "dmesg | grep -c 'zram: Added device'",
                "readlink /sys/block/zram1");
        RunFixture.Result r = RunFixture.run(RunFixture.options("upstream", "bash", "-c", script), T);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("0\n67108864\n67108864\nblock special file 7:")
                .contains("mm_stat write: 1\n", "reset while open: 1\n", "rmmod while open: 1\n", "reset: 0\n", "hot_add: 1\n",
                        "/dev/zram1\n", "hot_remove: 0\n", "modprobe -r: 0\n", "rmmod again: 1\n", "zram0\nzram1\n",
                        "modprobe nosuchmodule: 1\n", "../devices/virtual/block/zram1\n")
                .contains("Module                  Size  Used by\nzram                       0  0\n", "0\nlive\n");
        assertThat(r.err()).contains("echo: write error: Device or resource busy")
                .contains("/sys/block/zram0/mm_stat: Permission denied")
                .contains("rmmod: ERROR: Module zram is in use")
                .contains("ls: cannot access '/dev/zram1': No such file or directory")
                .contains("ls: cannot access '/dev/zram0': No such file or directory")
                .contains("ls: cannot access '/sys/class/zram-control': No such file or directory")
                .contains("rmmod: ERROR: Module zram is not currently loaded")
                .contains("modprobe: FATAL: Module nosuchmodule not found in directory /lib/modules/")
                .contains("verdict: OK");
    }

    @Test
    void theHostsZramDevicesAndSysfsAreOutOfSight() throws Exception {
        String script = "ls /dev | grep -c '^zram' ; ls /sys/block; cat /sys/block/zram0/comp_algorithm; "
                + "ls /sys/fs | grep -c cgroup; echo 1 > /sys/block/loop0/ro";
        RunFixture.Result r = RunFixture.run(RunFixture.options("upstream", "bash", "-c", script), T);
        assertThat(r.out()).startsWith("1\nzram0\n").contains("lz4").contains("\n1\n");
        assertThat(r.err()).contains("/sys/block/loop0/ro: No such file or directory");
        assertThat(r.exit()).isEqualTo(1);
    }
}
