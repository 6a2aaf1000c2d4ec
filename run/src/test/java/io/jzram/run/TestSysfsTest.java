// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cases of the seed's sysfs selftest on test_sysfs (examples/test-sysfs.sh) as real bash: load,
 * writes and reads of its attributes, EACCES of a read-only one, and the module-removal race (cases
 * 0001, 0002, 0005), with the generic fix (--fixes all): every case passes, dmesg is clean.
 */
@Timeout(120)
class TestSysfsTest {
    private static final Duration T = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    @Test
    void selftestCasesPassAsRealBash() throws Exception {
        Path script = RunFixture.example("test-sysfs.sh", dir);
        RunOptions o = new RunOptions(2, 1, true, "all", "full", false, 3, Duration.ofSeconds(5), false,
                List.of("env", "LOOP=2", "bash", script.toString()));
        RunFixture.Result r = RunFixture.run(o, T);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("ok: sysfs/0001 x reads back what was written", "ok: sysfs/0002 y reads x + 3 + 7",
                "ok: a write to the read-only dev attribute", "ok: sysfs/0005 the module is loaded after the race",
                "ok: sysfs/0005 and unloads").doesNotContain("FAIL");
        assertThat(r.err()).contains("verdict: OK");
    }
}
