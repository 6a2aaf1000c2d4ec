// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.cli.Jzram;
import io.jzram.cli.serve.ControlPlane;
import io.jzram.cli.serve.MachineExportRegistry;
import io.jzram.cli.serve.MachineMetrics;
import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The client commands' output, messages and exit statuses against a control plane. */
@Timeout(30)
class ClientCommandsTest {
    Machine machine;
    ControlPlane plane;

    record Run(int rc, String out, String err) {
    }

    @BeforeEach
    void start() throws IOException {
        machine = Machine.builder().cpus(4).build();
        plane = ControlPlane.start(machine, new MachineExportRegistry(machine), new MachineMetrics(machine, null), 0);
    }

    @AfterEach
    void stop() {
        plane.close();
        machine.close();
    }

    Run jzram(String... args) {
        return jzramAt(plane.port(), args);
    }

    static Run jzramAt(int port, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add(1, "--http-port=" + port);
        CommandLine cl = Jzram.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(argv.toArray(new String[0]));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void catLikeCat() {
        Run r = jzram("cat", "/sys/devices/system/cpu/online", "/sys/nope", "/sys/devices/system/cpu/possible");
        assertThat(r.out()).isEqualTo("0-3\n0-3\n");
        assertThat(r.err()).isEqualTo("jzram cat: /sys/nope: No such file or directory\n");
        assertThat(r.rc()).isEqualTo(1);
        r = jzram("cat", "/sys/block");
        assertThat(r.err()).isEqualTo("jzram cat: /sys/block: Is a directory\n");
        assertThat(r.rc()).isEqualTo(1);
    }

    @Test
    void writeLikeAShellRedirect() {
        machine.modprobe("test_sysfs");
        String x = "/sys/devices/virtual/misc/test_sysfs0/test_dev_x";
        assertThat(jzram("write", x, "17")).isEqualTo(new Run(0, "", ""));
        assertThat(machine.cat(x)).isEqualTo("17\n");
        assertThat(jzram("write", x, "seventeen"))
                .isEqualTo(new Run(1, "", "jzram write: " + x + ": write error: Invalid argument\n"));
        assertThat(jzram("write", "/sys/block/zram0/disksize", "1G"))
                .isEqualTo(new Run(1, "", "jzram write: /sys/block/zram0/disksize: No such file or directory\n"));
        assertThat(jzram("write", "/sys/devices/system/cpu/online", "0"))
                .isEqualTo(new Run(1, "", "jzram write: /sys/devices/system/cpu/online: Permission denied\n"));
        machine.rmmod("test_sysfs");
    }

    @Test
    void cpuLikeChcpu() {
        assertThat(jzram("cpu", "offline", "1")).isEqualTo(new Run(0, "CPU 1 disabled\n", ""));
        assertThat(machine.hotplug().isOnline(1)).isFalse();
        assertThat(jzram("cpu", "offline", "1")).isEqualTo(new Run(0, "CPU 1 is already disabled\n", ""));
        assertThat(jzram("cpu", "online", "1-2")).isEqualTo(new Run(0, "CPU 1 enabled\nCPU 2 is already enabled\n", ""));
        // chcpu: 64 when some failed, 1 when as many failed as there are CPUs
        assertThat(jzram("cpu", "offline", "0")).isEqualTo(new Run(64, "", "jzram cpu: CPU 0 is not hot pluggable\n"));
        assertThat(jzram("cpu", "online", "9")).isEqualTo(new Run(64, "", "jzram cpu: CPU 9 does not exist\n"));
        assertThat(jzram("cpu", "online", "4-7").rc()).isEqualTo(1);
        assertThat(jzram("cpu", "sideways", "1").rc()).isEqualTo(1);
    }

    @Test
    void offliningTheLastCpu() {
        assertThat(jzram("cpu", "offline", "1-3").rc()).isZero();
        Run r = jzram("cpu", "offline", "0");
        assertThat(r.err()).contains("CPU 0 is not hot pluggable");
        assertThat(jzram("cpu", "online", "1-3").rc()).isZero();
    }

    @Test
    void modprobeRmmodLsmodLikeKmod() {
        assertThat(jzram("modprobe", "test_sysfs", "enable_lock=1")).isEqualTo(new Run(0, "", ""));
        assertThat(machine.modules().find("test_sysfs")).isPresent();
        assertThat(jzram("modprobe", "test_sysfs")).isEqualTo(new Run(0, "", ""));
        assertThat(jzram("lsmod").out()).contains("test_sysfs");
        assertThat(jzram("rmmod", "test_sysfs")).isEqualTo(new Run(0, "", ""));
        assertThat(jzram("rmmod", "test_sysfs"))
                .isEqualTo(new Run(1, "", "jzram rmmod: ERROR: Module test_sysfs is not currently loaded\n"));
        Run r = jzram("modprobe", "nope");
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).startsWith("jzram modprobe: FATAL: Module nope not found");
        machine.modprobe("test_sysfs");
        var m = machine.modules().find("test_sysfs").orElseThrow();
        m.get();
        try {
            assertThat(jzram("rmmod", "test_sysfs")).isEqualTo(new Run(1, "", "jzram rmmod: ERROR: Module test_sysfs is in use\n"));
            assertThat(jzram("modprobe", "-r", "test_sysfs")).isEqualTo(new Run(1, "", "jzram modprobe: FATAL: Module test_sysfs is in use.\n"));
        } finally {
            m.put();
        }
        assertThat(jzram("modprobe", "-r", "test_sysfs").rc()).isZero();
    }

    @Test
    void dmesgPrintsAndClears() {
        machine.kernel().log().info("jzram-test-line");
        assertThat(jzram("dmesg").out()).contains("jzram-test-line");
        assertThat(jzram("dmesg", "-C")).isEqualTo(new Run(0, "", ""));
        assertThat(jzram("dmesg").out()).doesNotContain("jzram-test-line");
    }

    @Test
    void noServerIsAClearError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = jzramAt(port, "cat", "/sys/block/zram0/mm_stat");
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).startsWith("jzram cat: cannot reach the jzram control plane at http://127.0.0.1:" + port);
        r = jzramAt(port, "status");
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach");
    }

    @Test
    void statusWithoutZramPrintsNothing() {
        assertThat(jzram("status")).isEqualTo(new Run(0, "", ""));
        assertThat(jzram("status", "/dev/zram0")).isEqualTo(new Run(1, "", "jzram status: /dev/zram0: No such device\n"));
    }
}
