// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.fuse.sys.DeviceNodes;
import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block path: a 256 MiB file served by {@link BlockFileSystem} from a sparse in-memory backend,
 * a loop device over it, a device node for it made with mknod in a private tmpfs, mkfs.ext4 on that
 * node, and a mount of the ext4 in a child mount namespace (unshare -m) that writes a file and,
 * mounted again after the device's cache is dropped, reads it back: the bytes are found in the
 * backend and the read-back went through it.
 */
@Timeout(300)
class BlockPathTest {
    private static final Duration T = Duration.ofSeconds(120);
    private static final long SIZE = 256L << 20;

    @TempDir
    Path dir;
    SparseMemoryBackend disk;
    BlockFileSystem fs;
    FuseMount mount;
    LoopDevice loop;
    Path devDir;

    @BeforeEach
    void setUp() throws Exception {
        Host.assumeFuse();
        Host.assumeLoop();
        Host.assumeUnshare();
        Host.assumeTool("mkfs.ext4");
        Host.assumeTool("blockdev");
        disk = new SparseMemoryBackend(SIZE);
        fs = new BlockFileSystem().add("disk.img", disk);
        mount = FuseMount.mount(Files.createDirectory(dir.resolve("fuse")), fs);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (loop != null) {
                loop.close();
            }
            if (devDir != null) {
                Mounts.detach(devDir);
            }
        } finally {
            if (mount != null) {
                mount.close();
            }
            if (Host.isRoot()) {
                Host.assertNothingLeft(dir);
            }
        }
    }

    @Test
    void mkfsMountWriteAndReadBackThroughTheLoopDevice() throws Exception {
        Path image = mount.mountPoint().resolve("disk.img");
        assertThat(Files.size(image)).isEqualTo(SIZE);
        loop = LoopDevice.attach(image);
        assertThat(LoopDevice.backingFileOf(loop.number())).hasValue(image.toString());

        // (d) a node of our own for the device, in a private tmpfs: what /dev/zram0 will be.
        devDir = Files.createDirectory(dir.resolve("dev"));
        Mounts.mountTmpfs(devDir, "size=64k,mode=755");
        Path zram0 = devDir.resolve("zram0");
        DeviceNodes.mknodBlock(zram0, LoopDevice.LOOP_MAJOR, loop.number(), 0660);
        assertThat(DeviceNodes.deviceNumber(zram0)).isEqualTo(loop.deviceNumber());
        assertThat(Host.run(T, "blockdev", "--getsize64", zram0.toString()).ok().out().strip()).isEqualTo(Long.toString(SIZE));

        Host.run(T, "mkfs.ext4", "-q", zram0.toString()).ok();
        assertThat(disk.bytesWritten.get()).as("mkfs wrote through the file system").isPositive();

        byte[] payload = new byte[1 << 20];
        new Random(42).nextBytes(payload);
        Path source = dir.resolve("payload");
        Files.write(source, payload);
        Path ext4 = Files.createDirectory(dir.resolve("ext4"));
        Host.run(T, "unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t ext4 " + zram0 + " " + ext4 + " && cp " + source + " " + ext4 + "/payload && sync && umount " + ext4)
                .ok();
        assertThat(Mounts.under(ext4)).as("the ext4 mount was private to the child").isEmpty();
        assertThat(disk.find(java.util.Arrays.copyOf(payload, 4096), 4096)).as("the file's first block is in the backend")
                .isNotNegative();

        Host.run(T, "blockdev", "--flushbufs", zram0.toString()).ok(); // drop the device's page cache
        long before = disk.bytesRead.get();
        String sha = Host.run(T, "unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t ext4 -o ro " + zram0 + " " + ext4 + " && sha256sum " + ext4 + "/payload && umount " + ext4)
                .ok().out();
        assertThat(sha).startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload)));
        assertThat(disk.bytesRead.get() - before).as("the read-back came through the file system").isGreaterThanOrEqualTo(payload.length);

        FuseStats s = mount.stats();
        System.out.printf("block path: %s; backend: %d B written, %d B read, %d B discarded, %d B allocated%n", s,
                disk.bytesWritten.get(), disk.bytesRead.get(), disk.bytesDiscarded.get(), disk.allocatedBytes());

        int n = loop.number();
        loop.close();
        loop = null;
        assertThat(LoopDevice.backingFileOf(n)).as("detached").isEmpty();
    }

    @Test
    void aSizeChangeReachesTheDeviceThroughSetCapacity() throws Exception {
        SparseMemoryBackend small = new SparseMemoryBackend(16L << 20);
        fs.add("small.img", small);
        Path image = mount.mountPoint().resolve("small.img");
        loop = LoopDevice.attach(image);
        assertThat(Host.run(T, "blockdev", "--getsize64", loop.path().toString()).ok().out().strip()).isEqualTo(Long.toString(16L << 20));
        small.resize(48L << 20);
        loop.refreshCapacity();
        assertThat(Host.run(T, "blockdev", "--getsize64", loop.path().toString()).ok().out().strip()).isEqualTo(Long.toString(48L << 20));
        Host.run(T, "dd", "if=/dev/zero", "of=" + loop.path(), "bs=1M", "seek=40", "count=8", "oflag=direct", "status=none").ok();
        assertThat(small.bytesWritten.get()).isEqualTo(8L << 20);
        if (Host.onPath("mkswap")) { // a swap signature; swapon itself stays out: swap is global to the host
            assertThat(Host.run(T, "mkswap", loop.path().toString()).ok().out()).contains("Setting up swapspace");
            assertThat(small.find("SWAPSPACE2".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 1)).isEqualTo(4096 - 10);
        }
        fs.remove("small.img");
        assertThat(Host.run(T, "ls", mount.mountPoint().toString()).ok().out()).isEqualTo("disk.img\n");
        assertThat(loop.attached()).as("the open file keeps serving the device").isTrue();
        Host.run(T, "dd", "if=" + loop.path(), "of=/dev/null", "bs=1M", "count=1", "iflag=direct", "status=none").ok();
    }
}
