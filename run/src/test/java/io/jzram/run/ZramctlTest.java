// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * util-linux zramctl, unmodified, on the emulated machine: -f -s -a, the status table, -r (which
 * resets and, with zram-control, hot_removes the device); and the same commands on a device of the
 * host's real kernel (one this test hot_adds and hot_removes, never zram0), the outputs compared.
 */
@Timeout(120)
class ZramctlTest {
    private static final Duration T = Duration.ofSeconds(90);
    /** On a device hot_added for the purpose: set up, status, all columns, reset (which removes it). */
    private static final String SCRIPT = String.join("\n",
            "n=$(cat /sys/class/zram-control/hot_add)",
            "[ \"$n\" -gt 0 ] || exit 3",
            "zramctl -s 64M -a lz4 /dev/zram$n; echo \"setup: $?\"",
            "zramctl /dev/zram$n",
            "zramctl --output-all /dev/zram$n",
            "zramctl -r /dev/zram$n; echo \"reset: $?\"",
            "zramctl -s 64M /dev/zram$n 2>&1; echo \"after reset: $?\"",
            "if [ -e /sys/block/zram$n ]; then echo \"zram$n is still there\"; echo $n > /sys/class/zram-control/hot_remove; fi",
            "exit 0");

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash", "zramctl");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    @Test
    void findSetUpListAndResetOnTheEmulatedMachine() throws Exception {
        String script = "zramctl -f -s 64M -a lz4; zramctl; zramctl -n -o NAME,DISKSIZE,ALGORITHM --raw; zramctl -r /dev/zram0; "
                + "echo \"reset: $?\"; ls /dev | grep -c zram; true";
        RunFixture.Result r = RunFixture.run(RunFixture.options("upstream", "bash", "-c", script), T);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("/dev/zram0\nNAME       ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT\n"
                + "/dev/zram0 lz4            64M   0B    0B    0B         \n/dev/zram0 64M lz4\nreset: 0\n0\n");
    }

    @Test
    void theSameCommandsPrintTheSameAsOnTheRealKernel() throws Exception {
        RunFixture.Result emulated = RunFixture.run(RunFixture.options("upstream", "bash", "-c", SCRIPT), T);
        assertThat(emulated.exit()).as(emulated.all()).isZero();
        String emu = normalise(emulated.out());
        System.out.println("emulated:\n" + emu);
        assertThat(emu).contains("setup: 0\nNAME       ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT\n"
                + "/dev/zramN lz4            64M   0B    0B    0B         \n")
                .contains("reset: 0\nzramctl: /dev/zramN: No such device\nafter reset: 1\n").doesNotContain("still there");

        assumeTrue(Files.isDirectory(Path.of("/sys/class/zram-control")), "the host kernel has no zram-control: no comparison");
        String real = normalise(realKernel(SCRIPT));
        System.out.println("real kernel:\n" + real);
        assertThat(emu).isEqualTo(real);
    }

    /** Runs the script on the host (its own hot_added device; hot_removed in any case). */
    private static String realKernel(String script) throws Exception {
        Path out = Files.createTempFile("zramctl-real", ".out");
        try {
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** /dev/zramN for the device number; STREAMS as the kernel sets it aside (the machines' CPUs differ). */
    private static String normalise(String s) {
        return s.replaceAll("/dev/zram[1-9][0-9]*", "/dev/zramN");
    }
}
