// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.cli.JzramProcess;
import io.jzram.cli.client.ControlClient;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics of a live server, after some I/O and a CPU going offline, through Prometheus' own
 * linter: {@code promtool check metrics} (Debian package prometheus; .ci/run installs it). Skipped,
 * with a message saying so, where promtool is not installed; {@link MetricsFormat} checks the
 * same exposition without it in ServeTest.
 */
@Timeout(60)
class PromtoolTest {
    @TempDir
    Path dir;

    @Test
    void promtoolFindsNothingToComplainAbout() throws Exception {
        assumeTrue(JzramProcess.onPath("promtool"), "promtool (Debian package prometheus) is not installed: check skipped");
        Path sock = dir.resolve("nbd.sock");
        String metrics;
        try (JzramServer server = JzramServer.start(new JzramServer.Config(sock, null, 0, 2, 2, "8M", "zstd", ZramFixes.UPSTREAM,
                Duration.ofSeconds(5)))) {
            try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram1")) {
                assertThat(c.writeAt(0, "promtool".repeat(512).getBytes(StandardCharsets.US_ASCII))).isZero();
                c.readAt(0, 4096);
            }
            ControlClient http = new ControlClient("127.0.0.1", server.httpPort(), 10_000);
            http.write("/sys/devices/system/cpu/cpu1/online", "0".getBytes(StandardCharsets.US_ASCII));
            metrics = http.get("/metrics").text();
        }
        MetricsFormat.check(metrics);
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(metrics.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
