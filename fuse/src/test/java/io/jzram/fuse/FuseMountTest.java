// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link MemoryFs} mounted on a fresh temporary directory of the host namespace and used by real
 * processes (ls, cat, sh, bash, readlink, stat): what they print is what the file system answered.
 */
@Timeout(60)
class FuseMountTest {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Path mnt;
    MemoryFs fs;
    FuseMount mount;

    @BeforeEach
    void mount() throws Exception {
        Host.assumeFuse();
        mnt = Files.createDirectory(dir.resolve("mnt"));
        fs = new MemoryFs()
                .dir("/block").dir("/devices").dir("/devices/zram0")
                .attribute("/devices/zram0/disksize", "0\n")
                .attribute("/devices/zram0/reset", "")
                .failWrites("/devices/zram0/reset", Errno.EBUSY.number())
                .attribute("/devices/zram0/comp_algorithm", "lzo [lz4] zstd\n")
                .failWrites("/devices/zram0/comp_algorithm", Errno.EINVAL.number())
                .symlink("/block/zram0", "../devices/zram0")
                .file("/hello", "hello, world\n");
        mount = FuseMount.mount(mnt, fs);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            mount.close();
        }
        if (dir != null && Host.isRoot()) {
            Host.assertNothingLeft(dir);
        }
    }

    @Test
    void lsAndCatSeeTheTree() throws Exception {
        assertThat(Host.run(T, "ls", mnt.toString()).ok().out()).isEqualTo("block\ndevices\nhello\n");
        assertThat(Host.run(T, "ls", "-a", mnt.resolve("devices/zram0").toString()).ok().out())
                .isEqualTo(".\n..\ncomp_algorithm\ndisksize\nreset\n");
        assertThat(Host.run(T, "cat", mnt.resolve("hello").toString()).ok().out()).isEqualTo("hello, world\n");
        // A sysfs attribute: st_size says 4096, a read returns the real content (direct I/O).
        assertThat(Host.run(T, "stat", "-c", "%s %F %a", mnt.resolve("devices/zram0/disksize").toString()).ok().out())
                .isEqualTo("4096 regular file 644\n");
        assertThat(Host.run(T, "cat", mnt.resolve("devices/zram0/comp_algorithm").toString()).ok().out())
                .isEqualTo("lzo [lz4] zstd\n");
        assertThat(mount.stats().protocolMinor()).isEqualTo(31);
        assertThat(mount.isMounted()).isTrue();
        assertThat(Host.run(T, "findmnt", "-n", "-o", "FSTYPE,SOURCE", mnt.toString()).ok().out().strip())
                .isEqualTo("fuse.jzram jzram");
    }

    @Test
    void echoTruncatesAndWritesThroughTheShell() throws Exception {
        Path f = mnt.resolve("devices/zram0/disksize");
        Host.sh(T, "echo 512M > " + f).ok();
        assertThat(fs.content("/devices/zram0/disksize")).isEqualTo("512M\n");
        assertThat(fs.truncates.get()).as("O_TRUNC arrives as a truncate (SETATTR size 0)").isEqualTo(1);
        assertThat(fs.lastOpenFlags.get("/devices/zram0/disksize") & OpenFlags.O_ACCMODE).isEqualTo(OpenFlags.O_WRONLY);
        assertThat(fs.lastOpenFlags.get("/devices/zram0/disksize") & OpenFlags.O_TRUNC).as("O_TRUNC is not passed on").isZero();
        assertThat(Host.run(T, "cat", f.toString()).ok().out()).isEqualTo("512M\n");
        // Shorter than before: without the truncate the tail of "512M\n" would remain.
        Host.sh(T, "echo 1G > " + f).ok();
        assertThat(Host.run(T, "cat", f.toString()).ok().out()).isEqualTo("1G\n");
        assertThat(fs.truncates.get()).isEqualTo(2);
        // >> appends: no truncate, O_APPEND passed on, the write lands at the end the kernel knows.
        Host.sh(T, "echo x >> " + mnt.resolve("hello")).ok();
        assertThat(fs.lastOpenFlags.get("/hello") & OpenFlags.O_APPEND).isNotZero();
        assertThat(fs.truncates.get()).isEqualTo(2);
    }

    @Test
    void theFileSystemsErrnoReachesTheProcess() throws Exception {
        Host.Result bash = Host.run(T, "bash", "-c", "echo 1 > " + mnt.resolve("devices/zram0/reset"));
        assertThat(bash.exit()).isNotZero();
        assertThat(bash.err()).contains("echo: write error: Device or resource busy");
        bash = Host.run(T, "bash", "-c", "echo zstd > " + mnt.resolve("devices/zram0/comp_algorithm"));
        assertThat(bash.exit()).isNotZero();
        assertThat(bash.err()).contains("echo: write error: Invalid argument");
        // coreutils under sh: the same errno text.
        Host.Result sh = Host.sh(T, "/bin/echo 1 > " + mnt.resolve("devices/zram0/reset"));
        assertThat(sh.exit()).isNotZero();
        assertThat(sh.err()).contains("write error: Device or resource busy");
        // dash's builtin echo says "I/O error" for every failed write (as for /dev/full): only its
        // exit status tells; where /bin/sh is bash the text above shows.
        Host.Result dash = Host.sh(T, "echo 1 > " + mnt.resolve("devices/zram0/reset"));
        assertThat(dash.exit()).isNotZero();
        assertThat(dash.err()).containsAnyOf("Device or resource busy", "I/O error");
        Host.Result missing = Host.run(T, "cat", mnt.resolve("devices/zram0/nope").toString());
        assertThat(missing.err()).contains("No such file or directory");
    }

    @Test
    void symlinksResolve() throws Exception {
        assertThat(Host.run(T, "readlink", mnt.resolve("block/zram0").toString()).ok().out()).isEqualTo("../devices/zram0\n");
        assertThat(Host.run(T, "cat", mnt.resolve("block/zram0/comp_algorithm").toString()).ok().out())
                .isEqualTo("lzo [lz4] zstd\n");
        assertThat(Host.run(T, "stat", "-c", "%F", mnt.resolve("block/zram0").toString()).ok().out())
                .isEqualTo("symbolic link\n");
        assertThat(Host.run(T, "readlink", "-f", mnt.resolve("block/zram0").toString()).ok().out())
                .isEqualTo(mnt.resolve("devices/zram0") + "\n");
    }

    @Test
    void filesAppearAndDisappearBetweenTwoCalls() throws Exception {
        assertThat(Host.run(T, "ls", mnt.resolve("devices").toString()).ok().out()).isEqualTo("zram0\n");
        assertThat(Host.run(T, "cat", mnt.resolve("devices/zram0/disksize").toString()).ok().out()).isEqualTo("0\n");
        fs.dir("/devices/zram1").attribute("/devices/zram1/disksize", "0\n").remove("/devices/zram0");
        assertThat(Host.run(T, "ls", mnt.resolve("devices").toString()).ok().out()).isEqualTo("zram1\n");
        assertThat(Host.run(T, "cat", mnt.resolve("devices/zram0/disksize").toString()).err())
                .contains("No such file or directory");
        assertThat(Host.run(T, "cat", mnt.resolve("devices/zram1/disksize").toString()).ok().out()).isEqualTo("0\n");
        fs.dir("/devices/zram0").attribute("/devices/zram0/disksize", "42\n");
        assertThat(Host.run(T, "cat", mnt.resolve("devices/zram0/disksize").toString()).ok().out()).isEqualTo("42\n");
    }

    @Test
    void createUnlinkAndTheVfsDefaults() throws Exception {
        Path f = mnt.resolve("new");
        Host.sh(T, "printf abc > " + f).ok();
        assertThat(fs.content("/new")).isEqualTo("abc");
        assertThat(Host.run(T, "rm", f.toString()).ok().exit()).isZero();
        assertThat(fs.content("/new")).isNull();
        // MemoryFs keeps FuseFileSystem's defaults for these: what the VFS answers without the op.
        assertThat(Host.run(T, "mkdir", mnt.resolve("d").toString()).err()).contains("Operation not permitted");
        assertThat(Host.run(T, "chmod", "600", mnt.resolve("hello").toString()).err()).contains("Operation not permitted");
        assertThat(Host.run(T, "ln", "-s", "x", mnt.resolve("l").toString()).err()).contains("Operation not permitted");
        assertThat(Host.run(T, "touch", mnt.resolve("hello").toString()).ok().exit()).isZero();
        assertThat(Host.run(T, "stat", "-f", "-c", "%T %S", mnt.toString()).ok().out()).isEqualTo("fuseblk 4096\n");
    }

    @Test
    void closeUnmountsAndEndsTheWorkers() throws Exception {
        assertThat(Host.run(T, "cat", mnt.resolve("hello").toString()).ok().out()).isEqualTo("hello, world\n");
        mount.close();
        assertThat(mount.isMounted()).isFalse();
        assertThat(Host.mountsUnder(dir)).isEmpty();
        assertThat(mount.awaitUnmounted(Duration.ofSeconds(1))).isTrue();
        assertThat(mount.workers()).noneMatch(Thread::isAlive);
        assertThat(fs.destroyed.get()).isEqualTo(1);
        assertThat(fs.opens.get()).isEqualTo(fs.releases.get());
        assertThat(Host.run(T, "ls", mnt.toString()).ok().out()).isEmpty();
    }

    @Test
    void anUnmountByAnotherProcessEndsTheWorkers() throws Exception {
        Host.run(T, "umount", mnt.toString()).ok();
        assertThat(mount.awaitUnmounted(Duration.ofSeconds(10))).isTrue();
        assertThat(mount.endReason()).hasValue("unmounted");
        assertThat(fs.destroyed.get()).isEqualTo(1);
    }
}
