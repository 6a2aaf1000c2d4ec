// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.cli.JzramProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code jzram serve --run CMD} as a process (CMD writes to the process's own stdout): CMD gets the
 * export's URI, the server stops when CMD exits and jzram exits with CMD's status; {@code --bind}'s
 * warning; a real client ({@code nbdinfo}) against a captive server, read-write and read-only,
 * when libnbd's tools are installed (the test says so when they are not).
 */
@Timeout(180)
class ServeRunTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void runGetsTheUriAndItsStatusIsServesStatus() throws Exception {
        JzramProcess r = JzramProcess.run(LIMIT, "serve", "--cpus", "2", "--disksize", "16M", "--run",
                "echo \"uri=$uri\"; echo \"nbd=$nbd\"; echo \"export=$exportname socket=$unixsocket http=$JZRAM_HTTP_PORT\"; "
                        + "exit 3");
        assertThat(r.status()).as(r.err()).isEqualTo(3);
        Matcher m = Pattern.compile("uri=nbd\\+unix:///zram0\\?socket=(/\\S+/nbd\\.sock)\n").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        Path sock = Path.of(m.group(1));
        assertThat(r.out()).contains("nbd=nbd+unix:///zram0?socket=" + sock + "\n", "export=zram0 socket=" + sock + " http=");
        assertThat(r.out()).doesNotContain("http=\n", "http=10810\n");
        assertThat(Files.exists(sock.getParent())).as("the socket's temporary directory is removed").isFalse();

        JzramProcess tcp = JzramProcess.run(LIMIT, "serve", "--cpus", "2", "--disksize", "16M", "--port", "0", "--run",
                "echo \"$uri $port\"");
        assertThat(tcp.status()).as(tcp.err()).isZero();
        assertThat(tcp.out()).matches("(?s)nbd://127\\.0\\.0\\.1:(\\d+)/zram0 \\1\n");
        assertThat(tcp.err()).doesNotContain("warning");
    }

    @Test
    void bindingBeyondLoopbackWarns() throws Exception {
        JzramProcess r = JzramProcess.run(LIMIT, "serve", "--cpus", "2", "--disksize", "8M", "--bind", "0.0.0.0", "--port", "0",
                "--read-only", "--run", "echo \"$uri\"");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).contains("jzram serve: warning: NBD listens on 0.0.0.0, reachable from other machines; NBD has "
                + "no authentication: whoever connects can read the devices");
        assertThat(r.out()).startsWith("nbd://127.0.0.1:");
    }

    @Test
    void nbdinfoReadsACaptiveServer() throws Exception {
        assumeTrue(JzramProcess.onPath("nbdinfo"), "nbdinfo (Debian libnbd-bin) is not installed: the real-client check is skipped");
        JzramProcess rw = JzramProcess.run(LIMIT, "serve", "--cpus", "2", "--disksize", "16M", "--run", "nbdinfo \"$uri\"");
        assertThat(rw.status()).as(rw.err()).isZero();
        assertThat(rw.out()).contains("export-size: 16777216", "is_read_only: false");
        JzramProcess ro = JzramProcess.run(LIMIT, "serve", "--cpus", "2", "--disksize", "16M", "--read-only", "--run",
                "nbdinfo \"$uri\"");
        assertThat(ro.status()).as(ro.err()).isZero();
        assertThat(ro.out()).contains("is_read_only: true", "can_trim: false");
    }
}
