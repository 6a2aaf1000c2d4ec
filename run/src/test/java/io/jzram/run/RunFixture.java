// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the tests of {@code jzram run} share: the visible skips (root, /dev/fuse, loop devices,
 * unshare, the tools a test runs), a run with captured output and a time bound, and the check every
 * test ends with: nothing of a run left mounted, attached, swapped on or running.
 */
final class RunFixture {
    private RunFixture() {
    }

    /** Skips (with the reason) where jzram run cannot work, and where a tool the test runs is missing. */
    static void assumeRunnable(String... tools) {
        Optional<String> missing = Prerequisites.missing();
        assumeTrue(missing.isEmpty(), () -> "jzram run cannot run here: " + missing.orElse("") + "; skipping");
        for (String t : tools) {
            assumeTrue(onPath(t), t + " is not on PATH; skipping");
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** Options for a test run: 2 CPUs, lockdep off (faster), seed 1, the given fix set and command. */
    static RunOptions options(String fixes, String... command) {
        return new RunOptions(2, 1, true, fixes, "full", false, 1, Duration.ofSeconds(5), false, List.of(command));
    }

    /** What a run printed: the command's stdout, its stderr with the inner process's, and the outer's messages. */
    record Result(int exit, String out, String err, String outer) {
        String all() {
            return out + err + outer;
        }
    }

    /** A run in this JVM (the outer process) with stdin from /dev/null, bounded by {@code timeout}. */
    static Result run(RunOptions o, Duration timeout) throws Exception {
        Path dir = Files.createTempDirectory("jzram-run-test");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        int[] exit = {-1};
        Exception[] failure = {null};
        Thread t = new Thread(() -> {
            try (PrintStream ps = new PrintStream(outer, true, StandardCharsets.UTF_8)) {
                exit[0] = new JzramRun(o, ps).run(ProcessBuilder.Redirect.from(new File("/dev/null")),
                        ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.to(err.toFile()));
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "jzram-run-test");
        t.start();
        t.join(timeout.toMillis());
        if (t.isAlive()) {
            innerProcesses().forEach(ProcessHandle::destroyForcibly);
            t.join(30_000);
            throw new AssertionError("jzram run did not finish within " + timeout + "; stdout:\n" + read(out) + "\nstderr:\n" + read(err));
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        Result r = new Result(exit[0], read(out), read(err), outer.toString(StandardCharsets.UTF_8));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        Files.deleteIfExists(dir);
        System.out.println("jzram run " + o.command() + " exited " + r.exit() + "\n--- stdout\n" + r.out() + "--- stderr\n" + r.err()
                + "--- outer\n" + r.outer());
        return r;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** The inner processes of runs started by this JVM. */
    static List<ProcessHandle> innerProcesses() {
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(InnerMain.class.getName())).orElse(false))
                .collect(Collectors.toList());
    }

    /** A bundled example script, copied to a file. */
    static Path example(String name, Path dir) throws IOException {
        try (InputStream in = RunFixture.class.getResourceAsStream("/examples/" + name)) {
            assertThat(in).as("example %s on the class path", name).isNotNull();
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    /**
     * The check every test ends with: no FUSE mount of a run and nothing under a scratch directory
     * in this namespace, no loop device attached to a run's file ({@code losetup -a}), nothing
     * swapped on but what the host had, no inner process, no scratch directory left in /tmp.
     */
    static void assertNothingLeft() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> loops = runLoops();
        while (!loops.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50); // autoclear runs when the last opener has gone
            loops = runLoops();
        }
        List<MountEntry> mounts = Mounts.table().stream()
                .filter(m -> m.fsType().startsWith("fuse.jzram") || m.mountPoint().toString().startsWith("/tmp/jzram-run-"))
                .collect(Collectors.toList());
        List<String> swaps = Files.readAllLines(Path.of("/proc/swaps")).stream().skip(1)
                .filter(l -> l.contains("zram") || l.contains("loop") || l.contains("(deleted)")).collect(Collectors.toList());
        List<String> scratch;
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            scratch = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jzram-run-") && !n.startsWith("jzram-run-test"))
                    .collect(Collectors.toList());
        }
        assertThat(swaps).as("/proc/swaps: swap areas left on zram or loop devices").isEmpty();
        assertThat(loops).as("losetup -a: loop devices left attached to a run's files").isEmpty();
        assertThat(mounts).as("/proc/self/mountinfo: mounts of a run").isEmpty();
        assertThat(innerProcesses()).as("inner processes left running").isEmpty();
        assertThat(scratch).as("scratch directories and ledgers left in /tmp").isEmpty();
    }

    /** The lines of {@code losetup -a} naming a run's backing file (as seen from here). */
    static List<String> runLoops() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("losetup", "-a").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        List<String> l = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.contains("jzram-run-") || line.matches(".*\\(/zram\\d+\\).*")) { // after the namespace went: "(/zram0)"
                l.add(line);
            }
        }
        return l;
    }
}
