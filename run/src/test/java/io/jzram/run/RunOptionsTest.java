// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The options: their checks (exit 2 with one line), the round trip to the inner process, the store targets. */
class RunOptionsTest {

    @Test
    void optionsTravelToTheInnerProcessUnchanged() {
        RunOptions o = new RunOptions(3, 2, false, "none", "real", true, 42, Duration.ofMillis(1500), true,
                List.of("bash", "-c", "echo -- x"));
        assertThat(RunOptions.parse(o.toArgs())).isEqualTo(o);
    }

    @Test
    void badOptionsAreRefusedInOneLineWithStatus2() throws Exception {
        assertThatThrownBy(() -> RunFixture.options("bogus", "true").validate()).hasMessageContaining("--fixes bogus");
        assertThatThrownBy(() -> RunFixture.options("all").validate()).hasMessageContaining("no command given");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new JzramRun(new RunOptions(0, 1, true, "all", "full", false, 1, Duration.ofSeconds(1), false,
                List.of("true")), new PrintStream(err, true, StandardCharsets.UTF_8)).run();
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("jzram run: --cpus 0: expected 1..1024\n");
    }

    @Test
    void theDiskAStoreIsAbout() {
        assertThat(Inside.storeTarget("/sys/devices/virtual/block/zram3/reset", "1\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("zram3");
        assertThat(Inside.storeTarget("/sys/devices/virtual/block/zram0/disksize", "1G".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("zram0");
        assertThat(Inside.storeTarget("/sys/class/zram-control/hot_remove", "2\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("zram2");
        assertThat(Inside.storeTarget("/sys/devices/virtual/block/zram0/comp_algorithm", "lz4".getBytes(StandardCharsets.UTF_8)))
                .isNull();
    }
}
