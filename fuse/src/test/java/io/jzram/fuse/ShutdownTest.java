// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.PrivateMountNamespace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving side goes away while a process uses the loop device over its file: closed in
 * process, or the serving JVM killed with SIGKILL. Either way the user gets I/O errors instead of
 * hanging, the mount is gone and the loop device detaches (autoclear) once its last user is done.
 */
@Timeout(180)
class ShutdownTest {
    private static final Duration T = Duration.ofSeconds(60);
    /** Reads the device again and again until a read fails; then says so. */
    private static final String READ_LOOP =
            "while dd if=%s of=/dev/null bs=1M iflag=direct status=none; do :; done; echo reader stopped";

    @TempDir
    Path dir;
    Process reader;

    @BeforeEach
    void assumptions() {
        Host.assumeFuse();
        Host.assumeLoop();
    }

    @AfterEach
    void nothingLeft() throws Exception {
        if (reader != null) {
            reader.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Host.assertNothingLeft(dir);
    }

    private Process startReader(Path device) throws Exception {
        return new ProcessBuilder("sh", "-c", String.format(READ_LOOP, device)).redirectErrorStream(true).start();
    }

    private static String awaitEnd(Process p) throws Exception {
        Host.Drain out = new Host.Drain(p.getInputStream());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the reader ends once the device fails").isTrue();
        return out.text();
    }

    @Test
    void closingTheMountWhileALoopDeviceReadsFailsTheReaderAndLeavesNothing() throws Exception {
        SparseMemoryBackend disk = new SparseMemoryBackend(64L << 20);
        FuseMount mount = FuseMount.mount(Files.createDirectory(dir.resolve("fuse")), new BlockFileSystem().add("disk.img", disk));
        try (LoopDevice loop = LoopDevice.attach(mount.mountPoint().resolve("disk.img"))) {
            reader = startReader(loop.path());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (disk.bytesRead.get() < (128L << 20) && System.nanoTime() < deadline) {
                Thread.sleep(20); // two passes over the device
            }
            assertThat(disk.bytesRead.get()).isGreaterThanOrEqualTo(128L << 20);

            mount.close();
            assertThat(mount.isMounted()).as("lazily unmounted at once, though the loop device holds a file open").isFalse();
            assertThat(mount.endReason()).hasValue("stopped");
            assertThat(awaitEnd(reader)).contains("Input/output error").contains("reader stopped");
            assertThat(loop.attached()).as("still attached until closed").isTrue();
        }
        assertThat(Host.loopsUnder(dir)).isEmpty();
    }

    @Test
    void killingTheServingJvmFailsTheReaderAndTheLoopDeviceClearsItself() throws Exception {
        Host.assumeUnshare();
        Path fuse = Files.createDirectory(dir.resolve("fuse"));
        ProcessBuilder pb = PrivateMountNamespace.create()
                .processBuilder(PrivateMountNamespace.javaCommand(NamespaceChild.class.getName(), List.of("serve-block", fuse.toString())))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process server = pb.start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String ready = lines.readLine();
            assertThat(ready).as("the child's first line").startsWith("READY /dev/loop");
            Path device = Path.of(ready.substring("READY ".length()));
            int n = Integer.parseInt(device.getFileName().toString().substring(4));
            assertThat(LoopDevice.backingFileOf(n)).hasValue(fuse.resolve("disk.img").toString());
            assertThat(Host.mountsUnder(dir)).as("the FUSE mount is in the child's namespace only").isEmpty();

            reader = startReader(device);
            Thread.sleep(1000);
            assertThat(reader.isAlive()).isTrue();
            server.destroyForcibly(); // SIGKILL: no close(), no unmount, no LOOP_CLR_FD
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();

            String out = awaitEnd(reader);
            System.out.println("reader after SIGKILL of the server: " + out.strip());
            assertThat(out).contains("Input/output error").contains("reader stopped");
            reader = null;
            assertThat(LoopDevice.awaitDetached(n, Duration.ofSeconds(10))).as("autoclear after the last close").isTrue();
            assertThat(Host.run(T, "losetup", "-a").ok().out()).doesNotContain(fuse.toString());
        } finally {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
