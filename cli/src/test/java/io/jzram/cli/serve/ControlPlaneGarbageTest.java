// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.cli.client.ControlClient;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The control plane's endpoints fed garbage: every writable file of two zram devices (one
 * initialised and holding data, one not), zram-control, a CPU's online file, module load and
 * unload with garbage names and parameters, paths with NULs and dot-dots; bodies that are words,
 * negative, overflowing, NULs, 5000 bytes, 2 MiB. Every answer is a success or the kernel's errno
 * (an HTTP status with {@code X-Errno}); only an unknown endpoint (404), a wrong method (405) and a
 * body over the limit (413) answer without one; never an internal error (500). A refused request
 * changes nothing the machine shows; after an accepted one the machine is set up again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlPlaneGarbageTest {
    private static final List<String> BODIES = List.of("", "garbage", "-1", "99999999999999999999999", "18446744073709551616",
            "1e309", "NaN", "\0", "1\0" + "2", "x".repeat(5000), "\u00e9\u2603", "algo=\0 priority=99999999999", "\n\n\n");

    private Machine machine;
    private ControlPlane plane;
    private ControlClient client;
    private String current;
    private int accepted;
    private int refused;

    @BeforeAll
    void start() throws IOException {
        machine = Machine.builder().cpus(2).build();
        setUp();
        plane = ControlPlane.start(machine, new MachineExportRegistry(machine), new MachineMetrics(machine, null), 0);
        client = new ControlClient("127.0.0.1", plane.port(), 30_000);
        current = fingerprint();
    }

    @AfterAll
    void stop() {
        plane.close();
        machine.close();
        System.out.printf("control plane garbage: %d requests accepted, %d refused%n", accepted, refused);
    }

    private void setUp() {
        machine.modprobe("zram", "num_devices=2");
        machine.writeString("/sys/block/zram0/disksize", "1M");
        try (MachineFile f = machine.open("/dev/zram0", OpenFlag.RDWR)) {
            byte[] page = new byte[4096];
            Arrays.fill(page, (byte) 'z');
            f.blockDevice().write(0, ByteBuffer.wrap(page));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void restore() {
        for (String m : List.of("test_sysfs", "zram")) {
            if (machine.modules().find(m).isPresent()) {
                if (m.equals("zram")) {
                    for (String d : List.of("zram0", "zram1")) {
                        if (machine.exists("/sys/block/" + d)) {
                            machine.writeString("/sys/block/" + d + "/reset", "1");
                        }
                    }
                }
                machine.rmmod(m);
            }
        }
        if (machine.exists("/sys/devices/system/cpu/cpu1/online") && machine.cat("/sys/devices/system/cpu/cpu1/online").startsWith("0")) {
            machine.writeString("/sys/devices/system/cpu/cpu1/online", "1");
        }
        setUp();
        current = fingerprint();
    }

    /** What the machine shows: every readable file of both devices, the block devices, the modules, CPUs. */
    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        sb.append(machine.ls("/sys/block")).append(machine.modules().loaded().stream().map(m -> m.name()).toList())
                .append(machine.cat("/sys/devices/system/cpu/online")).append('\n');
        for (String dev : List.of("/sys/block/zram0/", "/sys/block/zram1/")) {
            if (!machine.exists(dev)) {
                continue;
            }
            for (String a : machine.ls(dev)) {
                try {
                    FileStat st = machine.stat(dev + a);
                    if (st.type() == FileStat.Type.REGULAR && (st.mode() & 0444) != 0 && !a.equals("uevent")) {
                        sb.append(a).append('=').append(machine.cat(dev + a)).append('\n');
                    }
                } catch (ErrnoException e) {
                    sb.append(a).append(':').append(e.errno()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    Stream<Arguments> requests() {
        List<Arguments> out = new ArrayList<>();
        Machine m = Machine.builder().cpus(2).build();
        List<String> files = new ArrayList<>();
        try {
            m.modprobe("zram", "num_devices=2");
            for (String dev : List.of("/sys/block/zram0/", "/sys/block/zram1/")) {
                for (String a : m.ls(dev)) {
                    FileStat st = m.stat(dev + a);
                    // zram1's backing_dev would open a host file read-write if a body named one
                    if (st.type() == FileStat.Type.REGULAR && (st.mode() & 0200) != 0 && !(dev.endsWith("zram1/") && a.equals("backing_dev"))) {
                        files.add(dev + a);
                    }
                }
            }
        } finally {
            m.close();
        }
        files.add("/sys/class/zram-control/hot_remove");
        files.add("/sys/devices/system/cpu/cpu1/online");
        for (String f : files) {
            for (String b : BODIES) {
                out.add(Arguments.of("PUT", f, b));
            }
        }
        out.add(Arguments.of("PUT", "/sys/block/zram0/disksize", "9".repeat(2 << 20)));
        for (String b : BODIES) {
            String q = URLEncoder.encode(b, StandardCharsets.UTF_8);
            out.add(Arguments.of("POST", "/modules/zram?num_devices=" + q, ""));
            out.add(Arguments.of("POST", "/modules/test_sysfs?" + q + "=" + q, ""));
            out.add(Arguments.of("POST", "/modules/" + q, ""));
            out.add(Arguments.of("DELETE", "/modules/" + q, ""));
            out.add(Arguments.of("GET", "/sys/block/" + q, ""));
            out.add(Arguments.of("PUT", "/sys/block/zram0/" + q, "1"));
        }
        out.add(Arguments.of("GET", "/sys/block/zram0/../../../../etc/passwd", ""));
        out.add(Arguments.of("PUT", "/sys/../../../tmp/jzram-garbage", "x"));
        out.add(Arguments.of("GET", "/dev/%00", ""));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} <{index}>")
    @MethodSource("requests")
    void garbageGetsAnErrnoAndChangesNothing(String method, String path, String body) throws IOException {
        byte[] bytes = body.isEmpty() && !method.equals("PUT") ? null : body.getBytes(StandardCharsets.ISO_8859_1);
        String shown = body.length() > 20 ? body.substring(0, 20) + "...(" + body.length() + ")" : body;
        String what = method + " " + (path.length() > 80 ? path.substring(0, 80) + "..." : path) + " <" + shown.replace("\0", "\\0") + ">";
        int status;
        String text;
        boolean errno;
        try {
            ControlClient.Response r = client.request(method, path, bytes);
            status = r.status();
            text = r.text();
            errno = r.header("X-Errno").isPresent();
        } catch (ControlClient.ErrnoReply e) {
            status = e.status(); // the kernel's errno, named in X-Errno
            text = e.getMessage();
            errno = true;
        } catch (IOException e) {
            // an HTTP error without X-Errno: "HTTP 405: ..."
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^HTTP (\\d{3}): (?s).*").matcher(String.valueOf(e.getMessage()));
            if (!m.matches()) {
                throw new AssertionError("no HTTP answer: " + what, e);
            }
            status = Integer.parseInt(m.group(1));
            text = e.getMessage();
            errno = false;
        }
        what += " -> " + status + (errno ? " (errno) " : " ") + (text.length() > 200 ? text.substring(0, 200) : text);
        assertThat(status).as(what).isNotEqualTo(500);
        assertThat(text).as(what).doesNotContain("root:x:0");
        if (status >= 400) {
            if (!List.of(404, 405, 413).contains(status)) {
                assertThat(errno).as("an error without X-Errno: " + what).isTrue();
            }
            refused++;
            assertThat(fingerprint()).as("a refused request changed state: " + what).isEqualTo(current);
            assertThat(machine.kernel().log().scan(0).clean()).as(machine.kernel().log().dmesg()).isTrue();
        } else {
            accepted++;
            restore();
        }
    }
}
