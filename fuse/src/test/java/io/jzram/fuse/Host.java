// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.PrivateMountNamespace;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the privileged tests need from the machine, checked with visible skips (root, /dev/fuse,
 * loop devices, unshare, mkfs.ext4), a process runner with a time bound, and the leak checks every
 * such test ends with: nothing mounted under its directory, no loop device backed by a file under
 * it.
 */
final class Host {
    private Host() {
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    static void assumeRoot() {
        assumeTrue(isRoot(), "not root: mount(2), /dev/fuse, loop devices and mknod need uid 0 (CAP_SYS_ADMIN, CAP_MKNOD); skipping");
    }

    static void assumeFuse() {
        assumeRoot();
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing (modprobe fuse); skipping");
        assumeTrue(Files.isReadable(Path.of("/dev/fuse")) && Files.isWritable(Path.of("/dev/fuse")),
                "/dev/fuse is not read-writable; skipping");
    }

    static void assumeLoop() {
        assumeRoot();
        assumeTrue(Files.exists(Path.of("/dev/loop-control")), "/dev/loop-control is missing (modprobe loop); skipping");
    }

    static void assumeUnshare() {
        assumeTrue(PrivateMountNamespace.available(), "unshare (util-linux) is not on PATH; skipping");
    }

    static void assumeTool(String tool) {
        assumeTrue(onPath(tool), tool + " is not on PATH; skipping");
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** A finished command: exit status, stdout, stderr. */
    record Result(int exit, String out, String err) {
        Result ok() {
            assertThat(exit).as("exit status; stdout:\n%s\nstderr:\n%s", out, err).isZero();
            return this;
        }
    }

    /** Runs {@code command}, killing it after {@code timeout}. */
    static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, new ProcessBuilder(command));
    }

    static Result run(Duration timeout, ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.start();
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", pb.command()) + " did not finish within " + timeout
                    + "; stdout:\n" + out.text() + "\nstderr:\n" + err.text());
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /** sh -c script. */
    static Result sh(Duration timeout, String script) throws IOException, InterruptedException {
        return run(timeout, "sh", "-c", script);
    }

    /** Reads a stream to the end on its own thread. */
    static final class Drain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in) {
            thread = new Thread(() -> {
                try (in) {
                    in.transferTo(buf);
                } catch (IOException ignored) {
                    // the process was killed
                }
            }, "drain");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** The mounts of this process at or below {@code dir}. */
    static List<MountEntry> mountsUnder(Path dir) {
        return Mounts.under(dir.toAbsolutePath().normalize());
    }

    /** "/dev/loopN: backing" for every loop device whose backing file lies under {@code dir}. */
    static List<String> loopsUnder(Path dir) {
        String prefix = dir.toAbsolutePath().normalize().toString();
        try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
            List<String> out = new ArrayList<>();
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("loop")).collect(Collectors.toList())) {
                int n = Integer.parseInt(p.getFileName().toString().substring(4));
                LoopDevice.backingFileOf(n).filter(b -> b.startsWith(prefix)).ifPresent(b -> out.add("/dev/loop" + n + ": " + b));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The leak check of a privileged test's @AfterEach: detaches and unmounts whatever is left under
     * {@code dir} (so one failure does not leak into the machine), then fails if there was any.
     */
    static void assertNothingLeft(Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> loops = loopsUnder(dir);
        while (!loops.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50); // autoclear runs when the last opener has gone; give it a moment
            loops = loopsUnder(dir);
        }
        List<MountEntry> mounts = mountsUnder(dir);
        for (String l : loops) {
            run(Duration.ofSeconds(10), "losetup", "-d", l.substring(0, l.indexOf(':')));
        }
        for (int i = mounts.size() - 1; i >= 0; i--) {
            Mounts.detach(mounts.get(i).mountPoint());
        }
        assertThat(loops).as("loop devices left attached to files under %s", dir).isEmpty();
        assertThat(mounts).as("mounts left under %s", dir).isEmpty();
        String losetup = onPath("losetup") ? run(Duration.ofSeconds(10), "losetup", "-a").out() : "";
        assertThat(losetup).as("losetup -a").doesNotContain(dir.toString());
    }
}
