// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled zram02-style script (examples/zram02-race.sh: a swap loop on zram0 and a module
 * unload/reload loop at once) as real bash: with the seed's kernel (--fixes none) it reproduces bug
 * 1 (module exit leaves the device registered, then its files oops; the WARN "Removing state ...
 * which has instances left." when a disksize store slips into exit) and jzram run exits 1; with the
 * fixes it is clean and exits 0.
 */
@Timeout(120)
class Zram02RaceTest {
    private static final Duration T = Duration.ofSeconds(100);

    @TempDir
    Path dir;

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash", "mkswap", "swapon", "swapoff");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    @ParameterizedTest(name = "--fixes {0}")
    @ValueSource(strings = {"none", "all", "upstream"})
    void zram02Race(String fixes) throws Exception {
        Path script = RunFixture.example("zram02-race.sh", dir);
        RunOptions o = new RunOptions(2, 1, true, fixes, "full", false, 7, Duration.ofSeconds(5), false,
                List.of("env", "DURATION=6", "bash", script.toString()));
        RunFixture.Result r = RunFixture.run(o, T);
        assertThat(r.out()).contains("module loop: ");
        if (fixes.equals("none")) {
            // the swap loop may not report: an oops kills the task that made the call, here its bash
            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            assertThat(r.err()).contains("bugs reproduced").contains("- bug 1").contains("verdict: FAILED");
            assertThat(r.err() + r.out()).containsAnyOf("which has instances left", "BUG: unable to handle page fault");
        } else {
            assertThat(r.out()).contains("swap loop: ");
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(r.err()).contains("splats             none").contains("verdict: OK");
        }
    }
}
