// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.cli.client.ControlClient;
import io.jzram.kernel.Errno;
import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control plane over a machine without zram: show/store through sysfs with the kernel's
 * errnos mapped to HTTP statuses, dmesg, module load/unload (test_sysfs), CPU on/offline, metrics.
 */
@Timeout(30)
class ControlPlaneTest {
    static final String X = "/sys/devices/virtual/misc/test_sysfs0/test_dev_x";

    Machine machine;
    ControlPlane plane;
    ControlClient client;

    @BeforeEach
    void start() throws IOException {
        machine = Machine.builder().cpus(4).build();
        plane = ControlPlane.start(machine, new MachineExportRegistry(machine), new MachineMetrics(machine, null), 0);
        client = new ControlClient("127.0.0.1", plane.port(), 10_000);
    }

    @AfterEach
    void stop() {
        plane.close();
        try {
            machine.rmmod("test_sysfs");
        } catch (RuntimeException ignored) {
            // not loaded
        }
        machine.close();
    }

    private ControlClient.ErrnoReply errno(ThrowingCall call) {
        try {
            call.run();
        } catch (ControlClient.ErrnoReply e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError("not an errno reply: " + e, e);
        }
        throw new AssertionError("no error");
    }

    interface ThrowingCall {
        void run() throws IOException;
    }

    @Test
    void showAndStoreGoThroughSysfs() throws IOException {
        client.request("POST", "/modules/test_sysfs", null);
        assertThat(client.read(X)).isEqualTo(machine.cat(X));
        ControlClient.Response r = client.request("PUT", X, "42".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("X-Written")).contains("2");
        assertThat(client.read(X)).isEqualTo("42\n");
        assertThat(client.list("/sys/devices/virtual/misc/test_sysfs0")).contains("test_dev_x", "test_dev_y");
        assertThat(client.get("/sys/devices/virtual/misc").header("X-File-Type")).contains("directory");
        assertThat(client.list("/dev")).contains("null", "zero", "test_sysfs0");
    }

    @Test
    void errnosBecomeStatusesWithTheErrnoNamed() throws IOException {
        client.request("POST", "/modules/test_sysfs", null);
        ControlClient.ErrnoReply e = errno(() -> client.write(X, "abc".getBytes(StandardCharsets.US_ASCII)));
        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.phase()).isEqualTo("write");

        e = errno(() -> client.read("/sys/block/zram9/disksize"));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.phase()).isEqualTo("open");

        e = errno(() -> client.write("/sys/block/zram9/disksize", "1G".getBytes(StandardCharsets.US_ASCII)));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);

        e = errno(() -> client.write("/sys/devices/system/cpu/online", "0-1".getBytes(StandardCharsets.US_ASCII)));
        assertThat(e.errno()).isEqualTo(Errno.EACCES); // 0444
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.phase()).isEqualTo("open");

        // the raw answer: status, X-Errno headers, two-line body
        try {
            client.request("PUT", "/sys/devices/system/cpu/cpu0/hotplug/target", "7".getBytes(StandardCharsets.US_ASCII));
            throw new AssertionError("no error");
        } catch (ControlClient.ErrnoReply r) {
            assertThat(r.errno()).isEqualTo(Errno.EINVAL);
            assertThat(r.detail()).isNotBlank();
        }
    }

    @Test
    void mappingTable() {
        assertThat(ErrnoStatus.of(Errno.EBUSY)).isEqualTo(409);
        assertThat(ErrnoStatus.of(Errno.EINVAL)).isEqualTo(400);
        assertThat(ErrnoStatus.of(Errno.ENOENT)).isEqualTo(404);
        assertThat(ErrnoStatus.of(Errno.EACCES)).isEqualTo(403);
        assertThat(ErrnoStatus.of(Errno.ENODEV)).isEqualTo(410);
        assertThat(ErrnoStatus.of(Errno.ENXIO)).isEqualTo(404);
        assertThat(ErrnoStatus.of(Errno.EWOULDBLOCK)).isEqualTo(409);
        assertThat(ErrnoStatus.of(Errno.ENOMEM)).isEqualTo(507);
        assertThat(ErrnoStatus.of(Errno.E2BIG)).isEqualTo(400);
        assertThat(ErrnoStatus.of(Errno.EIO)).isEqualTo(500);
        assertThat(ErrnoStatus.headline(Errno.EBUSY)).isEqualTo("EBUSY (16): Device or resource busy");
        for (Errno e : Errno.values()) {
            assertThat(ErrnoStatus.of(e)).isBetween(400, 599);
        }
    }

    @Test
    void unknownEndpointsAndMethodsAreNotErrnos() throws IOException {
        assertThatThrownBy(() -> client.get("/nope")).isNotInstanceOf(ControlClient.ErrnoReply.class)
                .hasMessageContaining("404");
        assertThatThrownBy(() -> client.request("DELETE", "/sys/block", null))
                .isNotInstanceOf(ControlClient.ErrnoReply.class).hasMessageContaining("405");
        assertThatThrownBy(() -> client.request("POST", "/metrics", new byte[0])).hasMessageContaining("405");
    }

    @Test
    void dmesgShowsAndClearsTheKernelLog() throws IOException {
        machine.kernel().log().info("hello from the test");
        assertThat(client.get("/dmesg").text()).contains("hello from the test").matches("(?s)\\[ *\\d+\\.\\d{6}\\] .*");
        client.request("DELETE", "/dmesg", null);
        assertThat(client.get("/dmesg").text()).doesNotContain("hello from the test");
    }

    @Test
    void modulesLoadAndUnload() throws IOException {
        assertThat(client.request("POST", "/modules/test_sysfs?enable_lock=1&enable_verbose_writes", null).status())
                .isEqualTo(201);
        assertThat(machine.modules().find("test_sysfs")).isPresent();
        assertThat(client.request("POST", "/modules/test_sysfs", null).status()).isEqualTo(200); // modprobe: already there
        assertThat(client.get("/modules").text()).contains("test_sysfs");
        assertThat(client.request("DELETE", "/modules/test_sysfs", null).status()).isEqualTo(204);
        assertThat(machine.modules().find("test_sysfs")).isEmpty();

        ControlClient.ErrnoReply e = errno(() -> client.request("DELETE", "/modules/test_sysfs", null));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.phase()).isEqualTo("rmmod");
        e = errno(() -> client.request("POST", "/modules/no_such_module", null));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.detail()).contains("not found");

        // a module someone holds (try_module_get) is in use: EWOULDBLOCK, 409
        client.request("POST", "/modules/test_sysfs", null);
        var m = machine.modules().find("test_sysfs").orElseThrow();
        m.get();
        try {
            e = errno(() -> client.request("DELETE", "/modules/test_sysfs", null));
            assertThat(e.errno()).isEqualTo(Errno.EWOULDBLOCK);
            assertThat(e.status()).isEqualTo(409);
        } finally {
            m.put();
        }
    }

    @Test
    void cpusGoOfflineAndOnlineThroughTheirFiles() throws IOException {
        client.write("/sys/devices/system/cpu/cpu1/online", "0".getBytes(StandardCharsets.US_ASCII));
        assertThat(machine.hotplug().isOnline(1)).isFalse();
        assertThat(client.read("/sys/devices/system/cpu/online")).isEqualTo("0,2-3\n");
        assertThat(client.get("/metrics").text()).contains("jzram_cpus_online 3\n", "jzram_cpu_online{cpu=\"1\"} 0\n",
                "jzram_cpu_hotplug_transitions_total{direction=\"down\"} 1\n");
        client.write("/sys/devices/system/cpu/cpu1/online", "1".getBytes(StandardCharsets.US_ASCII));
        assertThat(machine.hotplug().isOnline(1)).isTrue();
        // cpu0 has no online file
        assertThat(errno(() -> client.write("/sys/devices/system/cpu/cpu0/online", "0".getBytes())).errno())
                .isEqualTo(Errno.ENOENT);
    }

    @Test
    void metricsFollowTheTextFormat() throws IOException {
        machine.kernel().log().warnSplat("test.c:1 test", "a warning for the metrics");
        ControlClient.Response r = client.get("/metrics");
        assertThat(r.header("Content-Type")).contains(PrometheusText.CONTENT_TYPE);
        String text = r.text();
        MetricsFormat.check(text);
        assertThat(text).contains("# TYPE jzram_kernel_splats_total counter\n", "jzram_kernel_splats_total{kind=\"warning\"} 1\n",
                "jzram_cpus_possible 4\n");
    }

    @Test
    void prometheusEscaping() {
        PrometheusText p = new PrometheusText();
        p.family("x_total", "counter", "help with \\ and\nnewline").sample(1, "l", "a\"b\\c\nd");
        assertThat(p.toString()).isEqualTo("# HELP x_total help with \\\\ and\\nnewline\n# TYPE x_total counter\n"
                + "x_total{l=\"a\\\"b\\\\c\\nd\"} 1\n");
        assertThatThrownBy(() -> p.family("x_total", "counter", "again")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.family("bad-name", "gauge", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.family("y", "counter", "")).isInstanceOf(IllegalArgumentException.class);
        MetricsFormat.check(p.toString());
        assertThat(PrometheusText.format(Double.NaN)).isEqualTo("NaN");
        assertThat(PrometheusText.format(0.5)).isEqualTo("0.5");
        assertThat(List.of(PrometheusText.format(Double.POSITIVE_INFINITY))).containsExactly("+Inf");
    }
}
