// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** serve's --read-only (NBD_FLAG_READ_ONLY, EPERM on writes and trims) and --bind (the TCP listener's address, the URI). */
@Timeout(60)
class ServeExportOptionsTest {
    @TempDir
    Path dir;

    private static JzramServer.Config config(Path sock, Integer port, InetAddress bind, boolean readOnly) {
        return new JzramServer.Config(sock, port, bind, 0, 2, 1, "8M", null, ZramFixes.UPSTREAM, ZramKconfig.full(), 5L,
                Duration.ofSeconds(5), 0, false, readOnly);
    }

    @Test
    void readOnlyExportsAdvertiseItAndRefuseWritesAndTrims() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        try (JzramServer server = JzramServer.start(config(sock, null, null, true))) {
            assertThat(server.banner()).anyMatch(l -> l.startsWith("export zram0: 8388608 bytes") && l.endsWith(", read-only"));
            try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram0")) {
                assertThat(c.flags & MiniNbdClient.FLAG_READ_ONLY).isNotZero();
                assertThat(c.writeAt(0, new byte[4096])).isEqualTo(MiniNbdClient.EPERM);
                c.send(MiniNbdClient.CMD_TRIM, 9, 0, 4096, null);
                assertThat(c.receive(null).error()).isEqualTo(MiniNbdClient.EPERM);
                assertThat(c.readAt(0, 4096)).hasSize(4096); // reads still work
            }
            assertThat(server.machine().cat("/sys/block/zram0/stat").strip().split("\\s+")[4]).as("no write reached the disk")
                    .isEqualTo("0");
        }
        try (JzramServer server = JzramServer.start(config(sock, null, null, false));
                MiniNbdClient c = MiniNbdClient.connect(sock, "zram0")) {
            assertThat(server.banner()).noneMatch(l -> l.endsWith("read-only"));
            assertThat(c.flags & MiniNbdClient.FLAG_READ_ONLY).isZero();
            assertThat(c.writeAt(0, new byte[4096])).isZero();
        }
    }

    @Test
    void bindChoosesTheTcpAddressAndLoopbackStaysTheDefault() throws Exception {
        try (JzramServer server = JzramServer.start(config(null, 0, null, false))) {
            InetSocketAddress a = server.nbdTcp().orElseThrow();
            assertThat(a.getAddress().isLoopbackAddress()).isTrue();
            assertThat(server.uri()).isEqualTo("nbd://127.0.0.1:" + a.getPort() + "/zram0");
        }
        JzramServer.Config any = config(null, 0, InetAddress.getByName("0.0.0.0"), false);
        assertThat(any.exposed()).isTrue();
        try (JzramServer server = JzramServer.start(any)) {
            InetSocketAddress a = server.nbdTcp().orElseThrow();
            assertThat(a.getAddress().isAnyLocalAddress()).isTrue();
            assertThat(server.uri()).as("a wildcard is reached through loopback").isEqualTo("nbd://127.0.0.1:" + a.getPort() + "/zram0");
            assertThat(server.banner()).contains("NBD: tcp 0.0.0.0:" + a.getPort() + "  (nbd://127.0.0.1:" + a.getPort() + "/zram0)");
        }
        assertThat(config(null, 0, InetAddress.getLoopbackAddress(), false).exposed()).isFalse();
        try (JzramServer server = JzramServer.start(config(dir.resolve("s"), null, null, false))) {
            assertThat(server.uri()).isEqualTo("nbd+unix:///zram0?socket=" + dir.resolve("s"));
        }
    }
}
