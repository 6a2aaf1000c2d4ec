// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subset of .ci/real-clients.sh in JUnit: libnbd's nbdinfo and nbdcopy and qemu-img against an
 * in-process {@code jzram serve}, each test skipped with a message where its tool is not installed.
 */
@Timeout(60)
class RealClientsServeTest {
    @TempDir
    Path dir;
    JzramServer server;
    String uri;

    @BeforeEach
    void start() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        server = JzramServer.start(new JzramServer.Config(sock, null, 0, 2, 1, "32M", "lz4", ZramFixes.UPSTREAM,
                Duration.ofSeconds(10)));
        uri = "nbd+unix:///zram0?socket=" + sock;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static void assumeInstalled(String tool, String pkg) {
        String path = System.getenv("PATH");
        boolean found = path != null && Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
        assumeTrue(found, tool + " is not installed (Debian: apt-get install " + pkg + "); skipping this real-client check");
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", cmd[0]).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), text).isZero();
        return text;
    }

    @Test
    void nbdinfoShowsTheExport() throws Exception {
        assumeInstalled("nbdinfo", "libnbd-bin");
        assertThat(run("nbdinfo", uri)).contains("export-size: 33554432", "description: jzram zram0, lz4",
                "block_size_minimum: 1", "block_size_preferred: 4096", "block_size_maximum: 33554432",
                "can_trim: true", "can_zero: true", "can_fua: true", "can_multi_conn: true", "base:allocation");
        assertThat(run("nbdinfo", "--list", uri.replace("zram0", ""))).contains("export=\"zram0\"");
    }

    @Test
    void nbdcopyInAndOutAndQemuImgCompare() throws Exception {
        assumeInstalled("nbdcopy", "libnbd-bin");
        byte[] image = new byte[4 << 20];
        new Random(6).nextBytes(image);
        for (int i = 0; i < image.length; i += 8192) {
            Arrays.fill(image, i, i + 4096, (byte) (0x11 + (i >> 13) % 200)); // same-filled between random pages
        }
        Path in = dir.resolve("in.img");
        Path out = dir.resolve("out.img");
        Files.write(in, image);
        run("nbdcopy", in.toString(), uri);
        run("nbdcopy", uri, out.toString());
        byte[] back = Files.readAllBytes(out);
        assertThat(back.length).isEqualTo(32 << 20);
        assertThat(Arrays.equals(back, 0, image.length, image, 0, image.length)).as("copied out as copied in").isTrue();
        assertThat(Arrays.equals(back, image.length, back.length, new byte[back.length - image.length], 0,
                back.length - image.length)).as("the rest reads as zeros").isTrue();
        String[] mm = server.machine().cat("/sys/block/zram0/mm_stat").trim().split("\\s+");
        assertThat(List.of(mm[0], mm[5], mm[7])).as("orig_data_size, same_pages, huge_pages")
                .containsExactly(Long.toString(4L << 20), "512", "512");
        if (Files.isExecutable(Path.of("/usr/bin/qemu-img"))) {
            Files.write(out, image);
            Files.write(out, new byte[(32 << 20) - image.length], java.nio.file.StandardOpenOption.APPEND);
            assertThat(run("qemu-img", "compare", "-f", "raw", "-F", "raw", out.toString(), uri))
                    .contains("Images are identical");
        } else {
            System.err.println("qemu-img is not installed (Debian: qemu-utils); skipping qemu-img compare");
        }
    }
}
