// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jzram sh}: the bundled examples run to status 0 with what they are meant to show; options; a script file. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellCommandTest {

    @Test
    void examplesRunClean() {
        JzramRun list = jzram("sh", "--list-examples");
        assertThat(list.out().strip().split("\n")).containsExactly(ShellCommand.EXAMPLES);

        JzramRun t = jzram("sh", "--cpus", "2", "--kconfig", "real", "--seed", "1", "--example", "transcript");
        assertThat(t.status()).as(t.err()).isZero();
        assertThat(t.out()).contains("1073741824\n1\n", "    8192     8192     8192 67108864     8192        0        0        2        2\n",
                "107374182400\n", "57: block/zram:prepare");
        assertThat(t.err()).contains("echo: write error: Device or resource busy", "dd: error writing '/dev/zram0': No space left on device");

        JzramRun h = jzram("sh", "--seed", "2", "--example", "hot-add-remove");
        assertThat(h.status()).as(h.err()).isZero();
        assertThat(h.out()).startsWith("1\n").endsWith("zram0\n");
        assertThat(h.err()).isEmpty();

        JzramRun r = jzram("sh", "--example", "reset-while-open");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("1\n0\n");
        assertThat(r.err()).contains("line 7: echo: write error: Device or resource busy");

        JzramRun mr = jzram("sh", "--example", "module-reload");
        assertThat(mr.status()).as(mr.err()).isZero();
        assertThat(mr.out()).contains("zram0\nzram1\nzram2\n", "zram: Removed device: zram2", "`bogus' invalid for parameter `fixes'");
        assertThat(mr.err()).contains("modprobe: ERROR: could not insert 'zram': Invalid argument");

        JzramRun s = jzram("sh", "--example", "seed-lockdep");
        assertThat(s.status()).as(s.err()).isZero();
        assertThat(s.out()).contains("possible circular locking dependency detected").endsWith("1\n0\n");
    }

    @Test
    void scriptFileAndOptions(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("s.sh");
        Files.writeString(script, "cat /sys/devices/system/cpu/possible\nls /sys/block\necho 0 > /sys/block/zram0/disksize\nexit 7\n");
        JzramRun r = jzram("sh", "--cpus", "3", "--no-zram", "--fixes", "none", script.toString());
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("0-2\n");
        assertThat(r.err()).isEqualTo(script + ": line 3: /sys/block/zram0/disksize: No such file or directory\n");
        assertThat(jzram("sh", "--fixes", "bogus").status()).isEqualTo(2);
        assertThat(jzram("sh", "--kconfig", "bogus").status()).isEqualTo(2);
        assertThat(jzram("sh", tmp.resolve("missing.sh").toString()).status()).isEqualTo(127);
        assertThat(jzram("sh", "--example", "missing").status()).isEqualTo(2);
    }
}
