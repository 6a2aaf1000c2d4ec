// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.cli.client.ControlClient;
import io.jzram.kernel.Errno;
import io.jzram.nbd.Export;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jzram serve in-process: exports follow the devices (disksize, reset, hot_add, hot_remove, rmmod,
 * modprobe), a connected client holds its device and the module, metrics show the devices, and
 * shutdown finishes the requests in flight.
 */
@Timeout(60)
class ServeTest {
    @TempDir
    Path dir;
    JzramServer server;
    ControlClient http;
    Path sock;

    @BeforeEach
    void start() throws Exception {
        sock = dir.resolve("nbd.sock");
        server = JzramServer.start(new JzramServer.Config(sock, null, 0, 2, 1, "16M", "lz4", ZramFixes.UPSTREAM,
                Duration.ofSeconds(10)));
        http = new ControlClient("127.0.0.1", server.httpPort(), 10_000);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void put(String path, String value) throws IOException {
        http.write(path, value.getBytes(StandardCharsets.US_ASCII));
    }

    private ControlClient.ErrnoReply putFails(String path, String value) {
        try {
            put(path, value);
        } catch (ControlClient.ErrnoReply e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("store succeeded: " + path + " " + value);
    }

    private String refusal(String export) {
        try {
            MiniNbdClient.connect(sock, export).close();
            throw new AssertionError("export " + export + " was not refused");
        } catch (MiniNbdClient.Refused e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private List<String> exports() {
        List<String> n = new ArrayList<>();
        for (Export e : server.registry().list()) {
            n.add(e.name());
        }
        return n;
    }

    @Test
    void bannerSaysWhereItListens() {
        assertThat(server.banner()).anyMatch(l -> l.contains("unix socket " + sock))
                .anyMatch(l -> l.contains("http://127.0.0.1:" + server.httpPort() + "/"))
                .anyMatch(l -> l.startsWith("export zram0: 16777216 bytes"));
    }

    @Test
    void exportsFollowTheDevices() throws Exception {
        assertThat(exports()).containsExactly("zram0");
        byte[] page = new byte[4096];
        Arrays.fill(page, (byte) 0x5a);
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram0")) {
            assertThat(c.size).isEqualTo(16 << 20);
            assertThat(c.writeAt(8192, page)).isZero();
            assertThat(c.readAt(8192, 4096)).isEqualTo(page);
            // the client holds the device (blkdev_get) and the module
            assertThat(putFails("/sys/block/zram0/reset", "1").errno()).isEqualTo(Errno.EBUSY);
            assertThat(putFails("/sys/block/zram0/reset", "1").status()).isEqualTo(409);
            ControlClient.ErrnoReply rmmod = assertThrowsErrno(() -> http.request("DELETE", "/modules/zram", null));
            assertThat(rmmod.errno()).isEqualTo(Errno.EWOULDBLOCK);
            assertThat(http.read("/sys/block/zram0/mm_stat")).contains("4096");
        }
        awaitNoConnections();
        put("/sys/block/zram0/reset", "1");
        assertThat(exports()).isEmpty();
        assertThat(refusal("zram0")).contains("zram0").contains("not initialised");

        // hot_add: a new device, exported once it has a disksize
        assertThat(http.read("/sys/class/zram-control/hot_add")).isEqualTo("1\n");
        assertThat(refusal("zram1")).contains("not initialised");
        put("/sys/block/zram1/comp_algorithm", "zstd");
        put("/sys/block/zram1/disksize", "8M");
        assertThat(exports()).containsExactly("zram1");
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram1")) {
            assertThat(c.size).isEqualTo(8 << 20);
            assertThat(c.readAt(0, 4096)).isEqualTo(new byte[4096]);
            assertThat(server.registry().lookup("zram1").description()).contains("zstd");
            assertThat(putFails("/sys/class/zram-control/hot_remove", "1").errno()).isEqualTo(Errno.EBUSY);
        }
        awaitNoConnections();
        put("/sys/class/zram-control/hot_remove", "1");
        assertThat(refusal("zram1")).contains("no such device");
        assertThat(refusal("zram7")).contains("no such device");
        assertThat(refusal("disk")).contains("no export named 'disk'");

        // the module goes and comes back
        http.request("DELETE", "/modules/zram", null);
        assertThat(refusal("zram0")).contains("zram module is not loaded");
        http.request("POST", "/modules/zram?num_devices=2", null);
        assertThat(refusal("zram0")).contains("not initialised");
        put("/sys/block/zram1/disksize", "4M");
        assertThat(exports()).containsExactly("zram1");
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram1")) {
            assertThat(c.size).isEqualTo(4 << 20);
        }
        assertThat(server.machine().kernel().log().scan(0).clean()).as(server.machine().kernel().log().dmesg()).isTrue();
    }

    @Test
    void theEmptyNameIsZram0() throws Exception {
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "")) {
            assertThat(c.size).isEqualTo(16 << 20);
        }
    }

    @Test
    void metricsShowTheDevices() throws Exception {
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram0")) {
            byte[] same = new byte[4096];
            Arrays.fill(same, (byte) 7);
            c.writeAt(0, same);
            byte[] text = "jzram metrics test line\n".repeat(200).substring(0, 4096).getBytes(StandardCharsets.US_ASCII);
            c.writeAt(4096, text);
        }
        String m = http.get("/metrics").text();
        MetricsFormat.check(m);
        String l = "{device=\"zram0\"}";
        assertThat(m).contains("jzram_zram_info{device=\"zram0\",algorithm=\"lz4\"} 1\n",
                "jzram_zram_disksize_bytes" + l + " 16777216\n", "jzram_zram_same_filled_data_bytes" + l + " 4096\n",
                "jzram_zram_orig_data_size_bytes" + l + " 8192\n", "jzram_zram_huge_data_bytes" + l + " 0\n",
                "jzram_zram_failed_writes_total" + l + " 0\n", "jzram_zram_backing_dev_data_bytes" + l + " 0\n",
                "jzram_disk_writes_completed_total" + l + " 2\n", "jzram_disk_written_bytes_total" + l + " 8192\n",
                "jzram_module_loaded{module=\"zram\",state=\"live\"} 1\n", "jzram_cpus_online 2\n");
        assertThat(m).containsPattern("\nprocess_resident_memory_bytes [1-9][0-9]*\n")
                .containsPattern("\njzram_offheap_memory_bytes [0-9]+\n");
        // all 17 fields of the block layer's stat file, each once per device
        for (String f : new String[] {"reads_completed_total", "reads_merged_total", "read_bytes_total", "read_time_seconds_total",
            "writes_completed_total", "writes_merged_total", "written_bytes_total", "write_time_seconds_total", "io_now",
            "io_time_seconds_total", "io_time_weighted_seconds_total", "discards_completed_total", "discards_merged_total",
            "discarded_bytes_total", "discard_time_seconds_total", "flush_requests_total", "flush_requests_time_seconds_total"}) {
            assertThat(m).containsPattern("\njzram_disk_" + f + "\\{device=\"zram0\"} [0-9.eE-]+\n");
        }
    }

    @Test
    void statusPrintsTheZramctlTable() throws Exception {
        try (MiniNbdClient c = MiniNbdClient.connect(sock, "zram0")) {
            byte[] zero = new byte[1 << 20];
            c.writeAt(0, zero);
        }
        io.jzram.cli.client.ClientCommandsTestSupport.Run r =
                io.jzram.cli.client.ClientCommandsTestSupport.jzram(server.httpPort(), "status");
        assertThat(r.out()).isEqualTo("NAME       ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT\n"
                + "/dev/zram0 lz4            16M   1M    0B    0B         \n");
        r = io.jzram.cli.client.ClientCommandsTestSupport.jzram(server.httpPort(), "status", "--raw", "-o",
                "NAME,ZERO-PAGES,COMP-RATIO");
        assertThat(r.out()).isEqualTo("NAME ZERO-PAGES COMP-RATIO\n/dev/zram0 256 inf\n");
    }

    @Test
    void shutdownFinishesRequestsInFlight() throws Exception {
        MiniNbdClient c = MiniNbdClient.connect(sock, "zram0");
        byte[] data = new byte[256 << 10];
        new java.util.Random(1).nextBytes(data);
        int n = 32;
        for (int i = 0; i < n; i++) {
            c.send(MiniNbdClient.CMD_WRITE, i, (long) i * data.length % (16 << 20), data.length, data);
        }
        CompletableFuture<Boolean> down = CompletableFuture.supplyAsync(() -> server.shutdown(Duration.ofSeconds(20), s -> { }));
        int ok = 0;
        int refused = 0;
        try {
            for (int i = 0; i < n; i++) {
                MiniNbdClient.Reply r = c.receive(null);
                if (r.error() == 0) {
                    ok++;
                } else {
                    assertThat(r.error()).as("reply to %d", r.cookie()).isEqualTo(MiniNbdClient.ESHUTDOWN);
                    refused++;
                }
            }
        } catch (IOException closed) {
            // the connection closed after the requests the server had read were answered
        }
        c.close();
        assertThat(down.get()).as("every connection finished in time").isTrue();
        assertThat(ok).as("requests answered before the shutdown took effect").isPositive();
        assertThat(ok + refused).isLessThanOrEqualTo(n);
        assertThat(Files.exists(sock)).as("socket removed").isFalse();
        assertThat(server.machine().modules().find("zram")).as("zram unloaded").isEmpty();
        assertThatThrownBy(() -> MiniNbdClient.connect(sock, "zram0")).isInstanceOf(IOException.class);
    }

    private void awaitNoConnections() throws InterruptedException {
        for (int i = 0; i < 500 && server.nbd().connectionCount() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(server.nbd().connectionCount()).isZero();
    }

    interface Call {
        void run() throws IOException;
    }

    private static ControlClient.ErrnoReply assertThrowsErrno(Call call) {
        try {
            call.run();
        } catch (ControlClient.ErrnoReply e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no error");
    }
}
