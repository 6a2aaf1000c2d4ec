// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Interoperability with libnbd's tools (Debian: {@code apt-get install libnbd-bin}), skipped with a
 * message where they are not installed.
 */
@Timeout(60)
class RealClientsTest {
    @TempDir
    Path dir;
    TestServer ts;
    String uri;

    @BeforeEach
    void start() throws IOException {
        ts = new TestServer(dir);
        uri = "nbd+unix:///mem0?socket=" + ts.socket;
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private static boolean installed(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        return Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static void assumeInstalled(String tool) {
        assumeTrue(installed(tool), tool + " is not installed (Debian: apt-get install libnbd-bin); skipping the real-client check");
    }

    /** Runs a command; returns its output; fails on a non-zero exit or after 30 s. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                out.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // process killed
            }
        });
        reader.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out");
        }
        reader.join(5000);
        String output = String.join("", out);
        assertThat(p.exitValue()).as("%s\n%s", String.join(" ", command), output).isZero();
        return output;
    }

    @Test
    void nbdinfoShowsTheExport() throws Exception {
        assumeInstalled("nbdinfo");
        String info = run("nbdinfo", uri);
        assertThat(info).contains("export-size: " + TestServer.SIZE)
                .contains("description: in-memory test device")
                .contains("base:allocation")
                .contains("block_size_minimum: 1")
                .contains("block_size_preferred: 4096")
                .contains("block_size_maximum: 33554432")
                .contains("can_multi_conn: true")
                .contains("can_fast_zero: true")
                .contains("can_trim: true");
        assertThat(run("nbdinfo", "--list", "nbd+unix:///?socket=" + ts.socket)).contains("export=\"mem0\"");
        assertThat(run("nbdinfo", "--size", uri).trim()).isEqualTo(Long.toString(TestServer.SIZE));
    }

    @Test
    void nbdcopyInAndOutGivesTheSameImage() throws Exception {
        assumeInstalled("nbdcopy");
        int size = 16 << 20;
        byte[] image = new byte[size];
        Random rnd = new Random(1);
        for (int page = 0; page < size / 4096; page++) {
            switch (page % 5) {
                case 0:
                case 1:
                    break; // zeros: become holes or zero writes
                case 2:
                    Arrays.fill(image, page * 4096, page * 4096 + 4096, (byte) page);
                    break;
                default:
                    byte[] r = new byte[2048];
                    rnd.nextBytes(r);
                    System.arraycopy(r, 0, image, page * 4096, 2048);
            }
        }
        Path in = dir.resolve("in.img");
        Path out = dir.resolve("out.img");
        Files.write(in, image);
        // a 16 MiB export, so that copying out gives the same size
        MemoryBlockDevice dev = new MemoryBlockDevice("img", size);
        ts.registry.add(Export.of(dev));
        String u = "nbd+unix:///img?socket=" + ts.socket;
        run("nbdcopy", in.toString(), u);
        run("nbdcopy", u, out.toString());
        assertThat(Files.size(out)).isEqualTo(size);
        assertThat(Arrays.equals(Files.readAllBytes(out), image)).as("images identical").isTrue();
        // the zero pages were not stored as data
        assertThat(dev.blockState(0)).isNotEqualTo(io.jzram.kernel.block.BlockDevice.BlockState.DATA);
        assertThat(dev.blockState(2 * 4096)).isEqualTo(io.jzram.kernel.block.BlockDevice.BlockState.DATA);
        if (installed("qemu-img")) {
            assertThat(run("qemu-img", "compare", "-f", "raw", "-F", "raw", in.toString(), u)).contains("Images are identical");
        }
        assertThat(ts.awaitNoConnections(5000)).isTrue();
    }
}
