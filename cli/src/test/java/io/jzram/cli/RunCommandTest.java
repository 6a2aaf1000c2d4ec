// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.run.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code jzram run}: its options, bad ones refused with exit 2, CMD's own options left to CMD, CMD's status. */
@Timeout(120)
class RunCommandTest {

    /** Nothing of a run stays: no mount of its file systems, no loop device on its files, no swap on a loop device. */
    @AfterEach
    void nothingLeft() throws Exception {
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("fuse.jzram", "/tmp/jzram-run-");
        assertThat(Files.readString(Path.of("/proc/swaps"))).doesNotContain("loop", "zram", "(deleted)");
        if (Prerequisites.missing().isEmpty()) {
            Process p = new ProcessBuilder("losetup", "-a").redirectErrorStream(true).start();
            String loops = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            assertThat(loops).doesNotContain("jzram-run-", "(/zram");
        }
    }

    @Test
    void helpNamesTheMachineOptions() {
        JzramRun r = jzram("run", "--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("--cpus", "--devices", "--no-zram", "--fixes", "--kconfig", "--[no-]lockdep", "--seed",
                "--hung-task-timeout", "--verdict-only", "CMD");
    }

    @Test
    void badOptionsExit2WithOneLine() {
        JzramRun r = jzram("run", "--cpus", "0", "--", "true");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("jzram run: --cpus 0: expected 1..1024\n");
        JzramRun bogus = jzram("run", "--fixes", "bogus", "--", "true");
        assertThat(bogus.status()).isEqualTo(2);
        assertThat(bogus.err()).isEqualTo("jzram run: Invalid value for option '--fixes': 'bogus' is not a fix set (expected one of "
                + "none, seed, upstream, all, patch11)\nTry 'jzram run --help' for more information.\n");
    }

    @Test
    void theCommandsOptionsAreItsOwnAndItsStatusIsTheRunsStatus() {
        assumeTrue(Prerequisites.missing().isEmpty(), () -> "jzram run cannot run here: " + Prerequisites.missing().orElse(""));
        JzramRun r = jzram("run", "--verdict-only", "--no-lockdep", "--cpus", "2", "bash", "-c", "test -e /sys/block/zram0 && exit 3");
        assertThat(r.status()).isEqualTo(3);
    }
}
