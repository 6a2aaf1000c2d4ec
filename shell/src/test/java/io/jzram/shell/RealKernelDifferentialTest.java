// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.OracleTable;
import io.jzram.sysfs.zram.RealZram0;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live differential: one bash script ({@link LiveScript}) run by bash on the machine's own
 * zram0 and by jzram sh on a machine built as {@code jzram sh --kconfig real} builds it
 * ({@link Machine.Builder#realKernel()}), stdout and stderr together, compared line for line
 * ({@link LiveComparison}): every difference left must be one of the listed ones, each with its
 * reason, and the test prints how many lines matched. Before the script, the device's tree (every
 * entry under /sys/devices/virtual/block/zramN and /sys/class/zram-control: type, mode, link target)
 * is compared in each state (fresh, initialised, after reset, hot-added).
 *
 * <p>Skipped, saying why, where no usable zram0 exists (absent, not writable, in use) or bash is
 * missing. Holds /tmp/jzram-real-zram0.lock throughout; zram0 is left reset with mem_limit 0, and
 * every device the run hot-added is removed, on failure too. The shared page corpus is used when
 * it is found above the working directory (or at -Djzram.corpus) and xz can unpack it: its first
 * 16 MiB go through each algorithm.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RealKernelDifferentialTest {

    @TempDir
    Path tmp;

    private static final String CORPUS = "shared/corpus/mixed-128m.pages.xz";
    private static final int CORPUS_PAGES = 4096;

    /** Generated pages: zero, same-filled, text, random, sparse, a repeated pattern. */
    static byte[] pages() {
        Random r = new Random(7);
        String[] words = ("zram compresses pages of memory into a pool lzo lz4 zstd the quick brown fox jumps over the "
                + "lazy dog").split(" ");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[4096]);
        byte[] same = new byte[4096];
        java.util.Arrays.fill(same, (byte) 0xab);
        out.writeBytes(same);
        for (int p = 0; p < 4; p++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 4096) {
                sb.append(words[r.nextInt(words.length)]).append(' ');
            }
            out.writeBytes(sb.substring(0, 4096).getBytes(StandardCharsets.US_ASCII));
        }
        for (int p = 0; p < 2; p++) {
            byte[] b = new byte[4096];
            r.nextBytes(b);
            out.writeBytes(b);
        }
        byte[] sparse = new byte[4096];
        sparse[100] = 1;
        sparse[2000] = 7;
        out.writeBytes(sparse);
        out.writeBytes("0123456789abcdef".repeat(256).getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** The shared corpus: -Djzram.corpus, or shared/corpus/... in a directory above this one; null when there is none. */
    static Path findCorpus() {
        String prop = System.getProperty("jzram.corpus");
        Stream<Path> candidates = Stream.concat(Stream.ofNullable(prop).map(Path::of),
                Stream.iterate(Path.of("").toAbsolutePath(), Objects::nonNull, Path::getParent).map(d -> d.resolve(CORPUS)));
        return candidates.filter(Files::isReadable).findFirst().orElse(null);
    }

    /** The first 16 MiB of the corpus, unpacked into {@code to}; false when xz is not there. */
    private static boolean unpackCorpus(Path corpus, Path to) throws IOException, InterruptedException {
        Process xz;
        try {
            xz = new ProcessBuilder("xz", "-dc", corpus.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return false;
        }
        try (InputStream in = xz.getInputStream(); OutputStream out = Files.newOutputStream(to)) {
            byte[] buf = in.readNBytes(CORPUS_PAGES * 4096);
            out.write(buf);
            if (buf.length != CORPUS_PAGES * 4096) {
                return false;
            }
        } finally {
            xz.destroy();
            xz.waitFor();
        }
        return true;
    }

    private static Set<Integer> realZramIds() throws IOException {
        Set<Integer> ids = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("zram\\d+"))
                    .forEach(n -> ids.add(Integer.parseInt(n.substring(4))));
        }
        return ids;
    }

    private static int lowestFree(Set<Integer> ids) {
        int id = 0;
        while (ids.contains(id)) {
            id++;
        }
        return id;
    }

    private static void sysWrite(String path, String value) {
        try {
            Files.writeString(Path.of(path), value);
        } catch (IOException e) {
            // best effort (cleanup)
        }
    }

    // ================================================================ the device's tree

    /** Every entry below {@code root} (symlinks not followed): "path type mode [-> target]", sorted. */
    private static List<String> realTree(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.add(rel + " link -> " + Files.readSymbolicLink(p));
                } else {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                    out.add(rel + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? " dir " : " file ")
                            + Integer.toOctalString(mode(perms)));
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return m;
    }

    private static List<String> emulatorTree(Machine m, String root) {
        List<String> out = new ArrayList<>();
        walk(m, root, "", out);
        out.sort(null);
        return out;
    }

    private static void walk(Machine m, String root, String rel, List<String> out) {
        for (String name : m.ls(rel.isEmpty() ? root : root + "/" + rel)) {
            String r = rel.isEmpty() ? name : rel + "/" + name;
            FileStat st = m.lstat(root + "/" + r);
            switch (st.type()) {
                case SYMLINK -> out.add(r + " link -> " + m.readlink(root + "/" + r));
                case DIRECTORY -> {
                    out.add(r + " dir " + Integer.toOctalString(st.mode()));
                    walk(m, root, r, out);
                }
                default -> out.add(r + " file " + Integer.toOctalString(st.mode()));
            }
        }
    }

    /** The links to a zram device elsewhere in /sys (ID: the hot-added one). */
    private static final List<String> LINKS = List.of("/sys/block/zram0", "/sys/class/block/zram0",
            "/sys/block/zramID", "/sys/class/block/zramID", "/sys/class/bdi/253:0",
            "/sys/devices/virtual/bdi/253:0/subsystem");

    /** The trees in each state on the real machine (zram0 fresh, initialised, reset; the hot-added device; zram-control). */
    private static List<String> realTrees(int hotId) throws IOException {
        List<String> out = new ArrayList<>();
        Path z = Path.of("/sys/devices/virtual/block/zram0");
        out.add("== fresh");
        out.addAll(realTree(z));
        Files.writeString(z.resolve("disksize"), "64M");
        out.add("== initialised");
        out.addAll(realTree(z));
        Files.writeString(z.resolve("reset"), "1");
        out.add("== after reset");
        out.addAll(realTree(z));
        String id = Files.readString(Path.of("/sys/class/zram-control/hot_add")).strip();
        try {
            out.add("== hot-added zram" + id);
            out.addAll(realTree(Path.of("/sys/devices/virtual/block/zram" + id)));
            out.add("== zram-control");
            out.addAll(realTree(Path.of("/sys/class/zram-control")));
            out.add("== links");
            for (String l : LINKS) {
                String path = l.replace("ID", id);
                out.add(path + " -> " + Files.readSymbolicLink(Path.of(path)));
            }
        } finally {
            sysWrite("/sys/class/zram-control/hot_remove", id);
        }
        return out;
    }

    private static List<String> emulatorTrees(Machine m) {
        List<String> out = new ArrayList<>();
        String z = "/sys/devices/virtual/block/zram0";
        out.add("== fresh");
        out.addAll(emulatorTree(m, z));
        m.writeString(z + "/disksize", "64M");
        out.add("== initialised");
        out.addAll(emulatorTree(m, z));
        m.writeString(z + "/reset", "1");
        out.add("== after reset");
        out.addAll(emulatorTree(m, z));
        String id = m.cat("/sys/class/zram-control/hot_add").strip();
        out.add("== hot-added zram" + id);
        out.addAll(emulatorTree(m, "/sys/devices/virtual/block/zram" + id));
        out.add("== zram-control");
        out.addAll(emulatorTree(m, "/sys/class/zram-control"));
        out.add("== links");
        for (String l : LINKS) {
            String path = l.replace("ID", id);
            out.add(path + " -> " + m.readlink(path));
        }
        m.writeString("/sys/class/zram-control/hot_remove", id);
        return out;
    }

    /** A machine as jzram sh --kconfig real boots it, with zram devices where the real machine has them. */
    private static Machine emulator(Set<Integer> realIds) {
        Machine m = Machine.builder().cpus(2).realKernel().build();
        m.modprobe("zram");
        int max = realIds.stream().mapToInt(Integer::intValue).max().orElse(0);
        for (int i = 1; i <= max; i++) {
            m.zram().loaded().hotAdd();
        }
        for (int i = 1; i <= max; i++) {
            if (!realIds.contains(i)) {
                m.zram().loaded().hotRemove(i);
            }
        }
        return m;
    }

    // ================================================================ the test

    @Test
    void sameScriptSameLinesOnTheRealZram0AndThroughJzramSh() throws IOException, InterruptedException {
        Optional<String> why = RealZram0.unusableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "skipped: no /bin/bash here");
        Path pages = tmp.resolve("pages");
        Files.write(pages, pages());
        Path corpus = findCorpus();
        Path corpusPrefix = null;
        String corpusNote;
        if (corpus == null) {
            corpusNote = "no corpus (" + CORPUS + " not found above " + Path.of("").toAbsolutePath() + ")";
        } else if (!unpackCorpus(corpus, tmp.resolve("corpus"))) {
            corpusNote = "no corpus (xz could not unpack " + corpus + ")";
        } else {
            corpusPrefix = tmp.resolve("corpus");
            corpusNote = "the corpus' first " + CORPUS_PAGES + " pages";
        }
        OracleTable table = OracleTable.load();

        Optional<RealZram0> lock = RealZram0.acquire();
        Assumptions.assumeTrue(lock.isPresent(), "skipped: zram0 became busy");
        Set<Integer> before = realZramIds();
        int hotId = lowestFree(before);
        String script = LiveScript.build(pages.toString(), corpusPrefix == null ? null : corpusPrefix.toString(), CORPUS_PAGES,
                hotId, table);
        Path file = tmp.resolve("live.sh");
        Files.writeString(file, script);
        List<String> realTree;
        String kernelOut;
        long t0 = System.nanoTime();
        long kernelMs;
        RealZram0 zram0 = lock.get();
        try {
            sysWrite("/sys/block/zram0/mem_limit", "0");
            realTree = realTrees(hotId);
            long t1 = System.nanoTime();
            Process p = new ProcessBuilder("/bin/bash", file.toString()).directory(tmp.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            kernelOut = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("bash finished").isTrue();
            kernelMs = (System.nanoTime() - t1) / 1_000_000;
        } finally {
            for (int id : realZramIds()) {
                if (!before.contains(id)) {
                    sysWrite("/sys/class/zram-control/hot_remove", Integer.toString(id));
                }
            }
            zram0.close();
        }

        long t2 = System.nanoTime();
        List<String> emuTree;
        String emulatorOut;
        try (Machine m = emulator(before)) {
            emuTree = emulatorTrees(m);
            emulatorOut = ShellRun.of(m, file.toString(), script).both();
        }
        long emulatorMs = (System.nanoTime() - t2) / 1_000_000;

        TargetDump.write("live-differential", Map.of("script.sh", script, "kernel.out", kernelOut, "emulator.out", emulatorOut,
                "kernel.tree", String.join("\n", realTree) + "\n", "emulator.tree", String.join("\n", emuTree) + "\n"));

        LiveComparison.Result tree = LiveComparison.compare(realTree, emuTree);
        LiveComparison.Result lines = LiveComparison.compare(kernelOut.lines().toList(), emulatorOut.lines().toList());
        System.out.printf("live differential (%s; bash on the real zram0 %d ms, jzram sh %d ms, %d ms in all):%n", corpusNote,
                kernelMs, emulatorMs, (System.nanoTime() - t0) / 1_000_000);
        System.out.println("  the device's tree in 4 states: " + tree.summary());
        System.out.println("  the script's output: " + lines.summary());
        for (LiveComparison.Rule r : lines.listed().keySet()) {
            System.out.println("  listed difference '" + r.name() + "': " + r.reason());
        }
        assertThat(tree.unexplained()).as("tree differences (see target/live-differential)").isEmpty();
        assertThat(tree.listed()).isEmpty();
        assertThat(lines.unexplained()).as(String.join("\n", lines.unexplained().subList(0, Math.min(40,
                lines.unexplained().size())))).isEmpty();
        assertThat(lines.matched()).isEqualTo(lines.kernelLines());
    }
}
