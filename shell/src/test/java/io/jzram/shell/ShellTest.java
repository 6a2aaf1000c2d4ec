// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** jzram sh: commands, messages, statuses and syntax on an emulated machine with zram loaded. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShellTest {

    @TempDir
    Path tmp;
    private Machine m;
    private long marker;

    @BeforeEach
    void boot() {
        m = Machine.builder().cpus(2).build();
        m.modprobe("zram");
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    private ShellRun sh(String script) {
        return ShellRun.of(m, script.replace("$T", tmp.toString()));
    }

    @Test
    void echoIntoAttributesReportsWriteErrorsLikeBash() {
        ShellRun r = sh("echo 0 > /sys/block/zram0/disksize\necho $?\necho 1M > /sys/block/zram0/disksize; echo $?\n"
                + "echo 2M > /sys/block/zram0/disksize\ncat /sys/block/zram0/disksize\n");
        assertThat(r.both()).isEqualTo("bash: line 1: echo: write error: Invalid argument\n1\n0\n"
                + "bash: line 4: echo: write error: Device or resource busy\n1048576\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void redirectionAndOpenErrors() {
        ShellRun r = sh("echo 1 > /sys/block/zram0/nope\necho $?\necho 1 > /sys/nodir/x\ncat /sys/block/zram0/reset\necho $?\n"
                + "echo 1 > /sys/block/zram0/initstate\ncat /sys/block\nnosuchcommand a b\necho $?\ncat < /nonexistent\n");
        assertThat(r.both()).isEqualTo("bash: line 1: /sys/block/zram0/nope: Permission denied\n1\n"
                + "bash: line 3: /sys/nodir/x: No such file or directory\n"
                + "cat: /sys/block/zram0/reset: Permission denied\n1\n"
                + "bash: line 6: /sys/block/zram0/initstate: Permission denied\n"
                + "cat: /sys/block: Is a directory\n"
                + "bash: line 8: nosuchcommand: command not found\n127\n"
                + "bash: line 10: /nonexistent: No such file or directory\n");
    }

    @Test
    void pipeIntoDdAndStats() {
        ShellRun r = sh("echo 1G > /sys/block/zram0/disksize\n"
                + "head -c 8192 /dev/urandom | dd of=/dev/zram0 bs=4k oflag=direct status=none\n"
                + "cat /sys/block/zram0/mm_stat\n"
                + "dd if=/dev/zero of=/dev/zram0 bs=4k seek=262144 count=1 oflag=direct status=none\necho $?\n"
                + "dd if=/dev/zero of=/dev/zram0 bs=4k count=2\n"
                + "dd if=/dev/zram0 of=$T/out bs=1000 count=3 status=noxfer\n"
                + "dd if=/dev/zero of=/dev/zram0 bs=4k count=1 seek=262143 count=2 status=noxfer\n");
        assertThat(r.out()).isEqualTo("    8192     8192     8192        0     8192        0        0        2        2\n1\n");
        assertThat(r.err()).startsWith("dd: error writing '/dev/zram0': No space left on device\n2+0 records in\n2+0 records out\n")
                .containsPattern("\n8192 bytes \\(8\\.2 kB, 8\\.0 KiB\\) copied, [0-9.e+-]+ s, [0-9.]+ ([kMG]B|B)/s\n")
                .contains("3+0 records in\n3+0 records out\n")
                .endsWith("dd: error writing '/dev/zram0': No space left on device\n2+0 records in\n1+0 records out\n");
    }

    @Test
    void ddOperandErrors() {
        ShellRun r = sh("dd if=/dev/zero of=/dev/null bs=abc\ndd foo=bar\ndd if=/dev/zero of=/dev/null count=1 iflag=bogus\n"
                + "dd if=/nonexistent of=/dev/null\ndd if=/dev/zero of=/dev/null count=1 status=loud\necho $?\n");
        assertThat(r.both()).isEqualTo("dd: invalid number: \u2018abc\u2019\n"
                + "dd: unrecognized operand \u2018foo=bar\u2019\nTry 'dd --help' for more information.\n"
                + "dd: invalid input flag: \u2018bogus\u2019\nTry 'dd --help' for more information.\n"
                + "dd: failed to open '/nonexistent': No such file or directory\n"
                + "dd: invalid status level: \u2018loud\u2019\nTry 'dd --help' for more information.\n1\n");
    }

    @Test
    void cmpAgainstTheDevice() throws IOException {
        Files.write(tmp.resolve("a"), new byte[] {1, 2, 3, '\n', 5});
        Files.write(tmp.resolve("b"), new byte[] {1, 2, 3, '\n', 6});
        Files.write(tmp.resolve("c"), new byte[] {1, 2});
        ShellRun r = sh("echo 1M > /sys/block/zram0/disksize\ndd if=$T/a of=/dev/zram0 status=none\n"
                + "cmp -n 5 $T/a /dev/zram0; echo $?\ncmp $T/a $T/b; echo $?\ncmp $T/a $T/c; echo $?\ncmp $T/a /nope; echo $?\n"
                + "cmp -s $T/a $T/b; echo $?\n");
        String t = tmp.toString();
        assertThat(r.both()).isEqualTo("0\n" + t + "/a " + t + "/b differ: byte 5, line 2\n1\n"
                + "cmp: EOF on " + t + "/c after byte 2, in line 1\n1\ncmp: /nope: No such file or directory\n2\n1\n");
    }

    @Test
    void setErrexitAndExit() {
        ShellRun r = sh("false && true\necho still\nset -e\ntrue || false\necho 0 > /sys/block/zram0/reset\necho not reached\n");
        assertThat(r.both()).isEqualTo("still\nbash: line 5: echo: write error: Invalid argument\n");
        assertThat(r.status()).isEqualTo(1);
        assertThat(sh("echo a; exit 3; echo b").status()).isEqualTo(3);
        assertThat(sh("! false").status()).isZero();
        assertThat(sh("echo 'unterminated").both()).contains("syntax error: unexpected end of file");
        assertThat(sh("echo a ;; echo b").status()).isEqualTo(2);
    }

    @Test
    void loopsVariablesAndQuotes() {
        ShellRun r = sh("for i in {1..3}; do cat /sys/class/zram-control/hot_add; done\nN=2\n"
                + "for d in 1 $N\ndo\n  echo \"dev $d\" > /dev/null\n  echo 1 > /sys/class/zram-control/hot_remove$X\n"
                + "  echo '$d' \"[$d]\" x\\ y\ndone\nls /sys/block\n");
        assertThat(r.both()).isEqualTo("1\n2\n3\n$d [1] x y\nbash: line 6: echo: write error: No such device\n$d [2] x y\n"
                + "zram0\nzram2\nzram3\n");
    }

    @Test
    void backgroundJobsWaitAndTimeout() {
        long t0 = System.nanoTime();
        ShellRun r = sh("echo 1M > /sys/block/zram0/disksize\nsleep 0.5 < /dev/zram0 &\nsleep 0.1\n"
                + "echo 1 > /sys/block/zram0/reset\nrmmod zram\nwait\necho 1 > /sys/block/zram0/reset; echo $?\n"
                + "timeout 0.2 sleep 10; echo $?\n");
        assertThat(r.both()).isEqualTo("bash: line 4: echo: write error: Device or resource busy\n"
                + "rmmod: ERROR: Module zram is in use\n0\n124\n");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void modprobeRmmodAndDmesg() {
        ShellRun r = sh("rmmod zram\nrmmod zram\nmodprobe nosuch\nmodprobe zram num_devices=x\nmodprobe zram num_devices=2 fixes=none\n"
                + "ls /sys/block\ndmesg | grep -c 'Added device'\nmodprobe -r zram\nls -d /sys/block/zram0\necho $?\n");
        assertThat(r.both()).isEqualTo("rmmod: ERROR: Module zram is not currently loaded\n"
                + "modprobe: FATAL: Module nosuch not found in directory /lib/modules/" + m.kernel().release() + "\n"
                + "modprobe: ERROR: could not insert 'zram': Invalid argument\n"
                + "zram0\nzram1\n3\nls: cannot access '/sys/block/zram0': No such file or directory\n2\n");
        m.modprobe("zram");
    }

    @Test
    void grepOdHeadPrintfAndBlkdiscard() {
        ShellRun r = sh("grep -n 'zram\\|^ *0:' /sys/devices/system/cpu/hotplug/states\n"
                + "printf '%s=%d|%5s|%-3x|%%\\n' a 42 b 255 c\n"
                + "printf 'lz4\\n' | od -An -c\nhead -c 20 /dev/zero | od -Ax -tx1\n"
                + "echo 1M > /sys/block/zram0/disksize\nblkdiscard -o 1 -l 4096 /dev/zram0\nblkdiscard -o 0 -l 4096 /dev/zram0\n"
                + "blkdiscard -o 8M /dev/zram0\ncat /sys/block/zram0/io_stat\n");
        assertThat(r.both()).isEqualTo("1:  0: offline\n11: 57: block/zram:prepare\n"
                + "a=42|    b|ff |%\nc=0|     |0  |%\n"
                + "   l   z   4  \\n\n"
                + "000000 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n000010 00 00 00 00\n000014\n"
                + "blkdiscard: /dev/zram0: offset 1 is not aligned to sector size 4096\n"
                + "blkdiscard: /dev/zram0: offset 8388608 is greater than device size 1048576\n"
                + "       0        0 0        1\n");
    }
}
