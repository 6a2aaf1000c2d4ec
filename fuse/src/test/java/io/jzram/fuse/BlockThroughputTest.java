// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.Mounts;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block path's throughput, roughly: the same dd (256 MiB, 1 MiB blocks, O_DIRECT, write then
 * read) on a loop device over a FUSE-served file and on one over a plain tmpfs file, best of three
 * each, and their ratio. Asserts only that every dd succeeded; the figures go to stdout and to
 * target/fuse-throughput.txt. Variants for exploring: -Djzram.fuse.bench.threads=N (workers),
 * -Djzram.fuse.bench.asyncDio=true (FUSE_ASYNC_DIO), -Djzram.fuse.bench.loopDio=true
 * (LO_FLAGS_DIRECT_IO on both loop devices).
 */
@Timeout(600)
class BlockThroughputTest {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int MIB = 256;
    private static final int SMALL_MIB = 32;
    private static final Pattern SECONDS = Pattern.compile("copied, ([0-9.]+) s");

    @TempDir
    Path dir;
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        if (Host.isRoot()) {
            Host.assertNothingLeft(dir);
        }
    }

    /** dd's own elapsed seconds for one run. */
    private static double dd(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(args);
        pb.environment().put("LC_ALL", "C");
        Host.Result r = Host.run(T, pb).ok();
        Matcher m = SECONDS.matcher(r.err());
        assertThat(m.find()).as("dd's summary: %s", r.err()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * Best-of-three MB/s of writing and then reading the whole device in 1 MiB blocks, then of the
     * first {@link #SMALL_MIB} MiB in 4 KiB blocks (one request per page: latency-bound, as swap).
     */
    private static double[] measure(Path device) throws Exception {
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        for (int i = 0; i < 3; i++) {
            best[0] = Math.min(best[0], dd("dd", "if=/dev/zero", "of=" + device, "bs=1M", "count=" + MIB, "oflag=direct"));
            best[1] = Math.min(best[1], dd("dd", "if=" + device, "of=/dev/null", "bs=1M", "count=" + MIB, "iflag=direct"));
            best[2] = Math.min(best[2], dd("dd", "if=/dev/zero", "of=" + device, "bs=4k", "count=" + SMALL_MIB * 256, "oflag=direct"));
            best[3] = Math.min(best[3], dd("dd", "if=" + device, "of=/dev/null", "bs=4k", "count=" + SMALL_MIB * 256, "iflag=direct"));
        }
        double mb = MIB * 1.048576;
        double small = SMALL_MIB * 1.048576;
        return new double[] {mb / best[0], mb / best[1], small / best[2], small / best[3]};
    }

    @Test
    void ddOnALoopDeviceOverFuseVersusOverTmpfs() throws Exception {
        Host.assumeFuse();
        Host.assumeLoop();
        Host.assumeTool("dd");

        FuseOptions options = FuseOptions.builder().threads(Integer.getInteger("jzram.fuse.bench.threads", 4))
                .asyncDirectIo(Boolean.getBoolean("jzram.fuse.bench.asyncDio")).build();
        int loopFlags = Boolean.getBoolean("jzram.fuse.bench.loopDio") ? LoopDevice.LO_FLAGS_DIRECT_IO : 0;
        SparseMemoryBackend disk = new SparseMemoryBackend((long) MIB << 20);
        FuseMount mount = FuseMount.mount(Files.createDirectory(dir.resolve("fuse")),
                new BlockFileSystem().add("disk.img", disk), options);
        cleanup.add(mount);
        LoopDevice overFuse = LoopDevice.attach(mount.mountPoint().resolve("disk.img"), loopFlags);
        cleanup.add(overFuse);

        Path tmpfs = Files.createDirectory(dir.resolve("tmpfs"));
        Mounts.mountTmpfs(tmpfs, "size=" + (MIB + 16) + "m");
        cleanup.add(() -> Mounts.detach(tmpfs));
        Path plain = tmpfs.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(plain.toFile(), "rw")) {
            f.setLength((long) MIB << 20);
        }
        LoopDevice overTmpfs = LoopDevice.attach(plain, loopFlags);
        cleanup.add(overTmpfs);

        double[] fuse = measure(overFuse.path());
        double[] base = measure(overTmpfs.path());
        FuseStats s = mount.stats();
        String report = String.format(Locale.ROOT,
                "dd %d MiB, bs=1M, O_DIRECT, best of 3, %d CPUs%n"
                        + "  loop over FUSE file : write %8.1f MB/s, read %8.1f MB/s%n"
                        + "  loop over tmpfs file: write %8.1f MB/s, read %8.1f MB/s%n"
                        + "  FUSE / tmpfs        : write %8.3f,      read %8.3f%n"
                        + "dd %d MiB, bs=4k, O_DIRECT, best of 3%n"
                        + "  loop over FUSE file : write %8.1f MB/s, read %8.1f MB/s%n"
                        + "  loop over tmpfs file: write %8.1f MB/s, read %8.1f MB/s%n"
                        + "  FUSE / tmpfs        : write %8.3f,      read %8.3f%n"
                        + "  FUSE requests: %d WRITE (largest %d B), %d READ (largest %d B); %d threads, max_write %d,"
                        + " async DIO %s, loop direct I/O %s%n",
                MIB, Runtime.getRuntime().availableProcessors(), fuse[0], fuse[1], base[0], base[1],
                fuse[0] / base[0], fuse[1] / base[1], SMALL_MIB, fuse[2], fuse[3], base[2], base[3],
                fuse[2] / base[2], fuse[3] / base[3], s.writes(), s.largestWrite(), s.reads(), s.largestRead(),
                mount.workers().size(), options.maxWrite(), options.asyncDirectIo(), loopFlags != 0);
        System.out.print(report);
        Files.writeString(Path.of("target", "fuse-throughput.txt"), report);
        assertThat(disk.bytesWritten.get()).isGreaterThanOrEqualTo(3L * (MIB + SMALL_MIB) << 20);
    }
}
