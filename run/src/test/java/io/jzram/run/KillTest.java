// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run ends with nothing left however it ends: the command SIGKILLed with an ext4 mounted and swap
 * on (the inner process tears down), and the inner process itself SIGKILLed (the outer one kills
 * what still runs in the namespace, swaps off and waits for the loop devices to detach).
 */
@Timeout(150)
class KillTest {
    private static final Duration T = Duration.ofSeconds(120);
    /** Mounts an ext4 on zram0 and swaps on zram1, says so, then waits. */
    private static final String SET_UP = String.join("\n",
            "set -e",
            "echo 32M > /sys/block/zram0/disksize; mkfs.ext4 -q /dev/zram0",
            "mnt=$(mktemp -d); mount /dev/zram0 $mnt; echo data > $mnt/file",
            "echo 16M > /sys/block/zram1/disksize; mkswap /dev/zram1 >/dev/null; swapon /dev/zram1",
            "grep zram /proc/swaps",
            "touch %s",
            "%s");

    @TempDir
    Path dir;

    @BeforeEach
    void assumptions() {
        RunFixture.assumeRunnable("bash", "mkfs.ext4", "mkswap", "swapon");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        RunFixture.assertNothingLeft();
    }

    private static RunFixture.Result run(String script) throws Exception {
        RunOptions o = new RunOptions(2, 2, true, "upstream", "full", false, 1, Duration.ofSeconds(5), true,
                List.of("bash", "-c", script));
        return RunFixture.run(o, T);
    }

    @Test
    void theCommandKilledWithAMountAndSwapLeavesNothing() throws Exception {
        Path ready = dir.resolve("ready");
        RunFixture.Result r = run(String.format(SET_UP, ready, "kill -9 $$"));
        assertThat(r.exit()).as(r.all()).isEqualTo(137);
        assertThat(r.out()).contains("/dev/zram1");
        assertThat(r.err()).contains("swapoff /dev/loop").contains("unmounted").contains("verdict: OK");
    }

    @Test
    void theInnerProcessKilledLeavesNothingEither() throws Exception {
        Path ready = dir.resolve("ready");
        AtomicReference<RunFixture.Result> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(run(String.format(SET_UP, ready, "sleep 600")));
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(ready) && System.nanoTime() < deadline && t.isAlive()) {
            Thread.sleep(50);
        }
        assertThat(ready).as("the command got set up").exists();
        List<ProcessHandle> inner = RunFixture.innerProcesses();
        assertThat(inner).hasSize(1);
        inner.get(0).destroyForcibly(); // SIGKILL: no tear-down inside
        t.join(T.toMillis());
        if (failure.get() != null) {
            throw failure.get();
        }
        RunFixture.Result r = result.get();
        assertThat(r.exit()).isEqualTo(137);
        assertThat(r.outer()).contains("killed what still ran in its namespace").contains("swapoff /dev/loop");
    }
}
