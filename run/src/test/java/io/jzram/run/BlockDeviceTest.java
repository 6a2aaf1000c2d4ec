// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /dev/zram0 as a real block device: mkfs.ext4 on it, a mount, files written and read back after
 * the page cache is dropped (so through the emulated device), mm_stat counting the pages, a reset
 * refused while mounted and accepted after umount (the loop's capacity then 0), and swap on it.
 */
@Timeout(150)
class BlockDeviceTest {
    private static final Duration T = Duration.ofSeconds(120);

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash", "mkfs.ext4", "mount", "blockdev", "sha256sum");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    @Test
    void mkfsMountWriteReadBackUmountReset() throws Exception {
        String script = String.join("\n",
                "set -e",
                "echo 64M > /sys/block/zram0/disksize",
                "mkfs.ext4 -q /dev/zram0",
                "mnt=$(mktemp -d)",
                "mount /dev/zram0 $mnt",
                "head -c 4M /dev/urandom > /tmp/jzram-run-payload",
                "cp /tmp/jzram-run-payload $mnt/payload; echo hello > $mnt/hello; sync",
                "umount $mnt; blockdev --flushbufs /dev/zram0; mount -o ro /dev/zram0 $mnt",
                "cat $mnt/hello",
                "cmp /tmp/jzram-run-payload $mnt/payload && echo 'read back: same'",
                "read -r orig compr rest < /sys/block/zram0/mm_stat; echo \"orig_data_size $orig\"",
                "echo 1 > /sys/block/zram0/reset || echo 'reset refused while mounted'",
                "grep -c \" $mnt \" /proc/mounts",
                "umount $mnt",
                "echo 1 > /sys/block/zram0/reset && echo 'reset after umount'",
                "cat /sys/block/zram0/mm_stat; blockdev --getsize64 /dev/zram0",
                "echo 16M > /sys/block/zram0/disksize; mkswap /dev/zram0 >/dev/null; swapon /dev/zram0",
                "grep -c '^/dev/zram0 ' /proc/swaps",
                "echo 1 > /sys/block/zram0/reset || echo 'reset refused while swapped on'",
                "swapoff /dev/zram0; echo 1 > /sys/block/zram0/reset && echo 'reset after swapoff'",
                "rm -f /tmp/jzram-run-payload");
        RunFixture.Result r = RunFixture.run(RunFixture.options("upstream", "bash", "-c", script), T);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("hello\nread back: same\n", "reset refused while mounted\n1\n", "reset after umount\n",
                "reset refused while swapped on\n", "reset after swapoff\n");
        long orig = Long.parseLong(r.out().replaceAll("(?s).*orig_data_size (\\d+).*", "$1"));
        assertThat(orig).as("mm_stat's orig_data_size: the file and the file system's metadata").isGreaterThan(4L << 20);
        assertThat(r.out()).contains("       0        0        0        0        0        0        0        0        0\n0\n");
        assertThat(r.err()).contains("echo: write error: Device or resource busy").contains("verdict: OK");
    }
}
