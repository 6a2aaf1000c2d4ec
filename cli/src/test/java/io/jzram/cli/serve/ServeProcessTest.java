// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.cli.JzramProcess;
import io.jzram.cli.client.ClientCommandsTestSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jzram serve} as a process: it prints where it listens, answers the control plane, and on
 * SIGTERM runs its shutdown hook (prints "stopped", removes the socket, exits 143).
 */
@Timeout(90)
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void sigtermStopsCleanly() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        List<String> cmd = JzramProcess.command("serve", "--socket", sock.toString(), "--http-port", "0", "--cpus", "2",
                "--devices", "2", "--disksize", "32M");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // process gone
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!lines.contains("jzram serve: ready (SIGTERM or Ctrl-C stops)")) {
                assertThat(p.isAlive()).as("serve running: %s", lines).isTrue();
                assertThat(System.nanoTime()).as("ready within 30 s: %s", lines).isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(lines).contains("NBD: unix socket " + sock + "  (nbd+unix:///zram0?socket=" + sock + ")");
            int port = 0;
            for (String l : lines) {
                Matcher m = Pattern.compile("control plane: http://127\\.0\\.0\\.1:(\\d+)/.*").matcher(l);
                if (m.matches()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertThat(port).isPositive();
            assertThat(ClientCommandsTestSupport.jzram(port, "cat", "/sys/block/zram1/disksize").out()).isEqualTo("33554432\n");

        } finally {
            p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("serve stops after SIGTERM").isTrue();
            reader.join(5000);
        }
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(lines).contains("jzram serve: shutting down", "jzram serve: stopped");
        assertThat(Files.exists(sock)).as("socket removed").isFalse();
    }
}
