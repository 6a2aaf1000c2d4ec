// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One loop device (drivers/block/loop.c) attached to a backing file, through the ioctls of
 * include/uapi/linux/loop.h: LOOP_CTL_GET_FREE on /dev/loop-control, then LOOP_CONFIGURE on
 * /dev/loopN (LOOP_SET_FD + LOOP_SET_STATUS64 on kernels before 5.8), LOOP_SET_CAPACITY,
 * LOOP_CLR_FD.
 *
 * <p>The device is configured with LO_FLAGS_AUTOCLEAR and this object holds a descriptor of it
 * open until {@link #close()}: the kernel detaches the device when its last opener closes it, so a
 * process that dies (SIGKILL included) leaves nothing attached once the other openers (a mount,
 * mkfs, dd) are done. Loop devices are global, not per mount namespace.
 *
 * <p>ioctls rather than losetup(8): losetup cannot set AUTOCLEAR (only mount -o loop does), it
 * would not hold the device open for us, and it answers failures as text instead of errno.
 *
 * <p>Threading: {@link #refreshCapacity()} and {@link #close()} may be called from any thread;
 * close is idempotent.
 */
public final class LoopDevice implements AutoCloseable {
    public static final int LOOP_MAJOR = 7;
    private static final long LOOP_SET_FD = 0x4C00;
    private static final long LOOP_CLR_FD = 0x4C01;
    private static final long LOOP_SET_STATUS64 = 0x4C04;
    private static final long LOOP_SET_CAPACITY = 0x4C07;
    private static final long LOOP_CONFIGURE = 0x4C0A;
    private static final long LOOP_CTL_GET_FREE = 0x4C82;
    public static final int LO_FLAGS_READ_ONLY = 1;
    public static final int LO_FLAGS_AUTOCLEAR = 4;
    public static final int LO_FLAGS_DIRECT_IO = 16;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final int EBUSY = 16;
    private static final int ENXIO = 6;
    private static final int EINVAL = 22;
    private static final int ENOTTY = 25;
    /** struct loop_info64: 232 bytes; lo_flags at 52, lo_file_name[64] at 56. */
    private static final int INFO64_SIZE = 232;
    private static final int INFO64_FLAGS = 52;
    private static final int INFO64_FILE_NAME = 56;
    /** struct loop_config: fd, block_size, loop_info64 info, __u64 __reserved[8]. */
    private static final int CONFIG_SIZE = 8 + INFO64_SIZE + 64;
    private static final int ATTEMPTS = 16;

    private static final Path DEV = Path.of("/dev");
    private static final Path SYS = Path.of("/sys");

    private final int number;
    private final Path backingFile;
    private final Path sysDir;
    private int fd;

    private LoopDevice(int number, int fd, Path backingFile, Path sysDir) {
        this.number = number;
        this.fd = fd;
        this.backingFile = backingFile;
        this.sysDir = sysDir;
    }

    /** Attaches a free loop device to {@code backingFile}, read-write, with autoclear. */
    public static LoopDevice attach(Path backingFile) throws IOException {
        return attach(backingFile, 0);
    }

    /**
     * Attaches a free loop device to {@code backingFile}; {@code extraFlags} may add
     * {@link #LO_FLAGS_READ_ONLY} and {@link #LO_FLAGS_DIRECT_IO} to the autoclear flag.
     */
    public static LoopDevice attach(Path backingFile, int extraFlags) throws IOException {
        return attach(backingFile, extraFlags, DEV, SYS);
    }

    /**
     * As {@link #attach(Path, int)}, with the host's device nodes (loop-control, loopN) looked up in
     * {@code devDir} and its sysfs in {@code sysDir} instead of /dev and /sys: for a process whose
     * /dev and /sys are covered by mounts of its own (a private namespace's tmpfs and FUSE), which
     * reaches the host's through descriptors it opened before ({@code /proc/self/fd/N}).
     */
    public static LoopDevice attach(Path backingFile, int extraFlags, Path devDir, Path sysDir) throws IOException {
        LibC c = Native.libc();
        boolean readOnly = (extraFlags & LO_FLAGS_READ_ONLY) != 0;
        String file = backingFile.toAbsolutePath().toString();
        int backing = Native.check(c.open(file, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0), "open", file);
        int control = -1;
        try {
            String ctl = devDir.resolve("loop-control").toString();
            control = Native.check(c.open(ctl, O_RDWR | O_CLOEXEC, 0), "open", ctl);
            for (int attempt = 0;; attempt++) {
                int n = Native.check(c.ioctl(control, LOOP_CTL_GET_FREE, 0), "ioctl", "LOOP_CTL_GET_FREE");
                String dev = devDir.resolve("loop" + n).toString();
                int devFd = openNode(dev, readOnly);
                int errno = configure(devFd, backing, LO_FLAGS_AUTOCLEAR | extraFlags, file);
                if (errno == 0) {
                    return new LoopDevice(n, devFd, backingFile, sysDir);
                }
                Native.closeQuietly(devFd);
                // EBUSY: another process took this device between GET_FREE and CONFIGURE; try the next.
                if (errno != EBUSY || attempt >= ATTEMPTS) {
                    throw new NativeException("ioctl", "LOOP_CONFIGURE " + dev + " with " + file, errno);
                }
            }
        } finally {
            Native.closeQuietly(control);
            Native.closeQuietly(backing);
        }
    }

    /** Opens /dev/loopN, waiting briefly for devtmpfs to create the node of a device just added. */
    private static int openNode(String dev, boolean readOnly) throws NativeException {
        LibC c = Native.libc();
        for (int i = 0;; i++) {
            int fd = c.open(dev, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
            if (fd >= 0) {
                return fd;
            }
            int errno = Native.errno();
            if (errno != 2 || i >= 50) {
                throw new NativeException("open", dev, errno);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** LOOP_CONFIGURE, or LOOP_SET_FD + LOOP_SET_STATUS64 where the kernel lacks it. 0 or errno. */
    private static int configure(int devFd, int backing, int flags, String file) {
        LibC c = Native.libc();
        ByteBuffer cfg = ByteBuffer.allocateDirect(CONFIG_SIZE).order(ByteOrder.nativeOrder());
        cfg.putInt(0, backing).putInt(4, 0);
        fillInfo(cfg, 8, flags, file);
        if (c.ioctl(devFd, LOOP_CONFIGURE, Native.address(cfg)) == 0) {
            return 0;
        }
        int errno = Native.errno();
        if (errno != EINVAL && errno != ENOTTY) {
            return errno;
        }
        // Before Linux 5.8: two steps (and a window in which the device has no autoclear yet).
        if (c.ioctl(devFd, LOOP_SET_FD, backing) != 0) {
            return Native.errno();
        }
        ByteBuffer info = ByteBuffer.allocateDirect(INFO64_SIZE).order(ByteOrder.nativeOrder());
        fillInfo(info, 0, flags & ~LO_FLAGS_READ_ONLY, file);
        if (c.ioctl(devFd, LOOP_SET_STATUS64, Native.address(info)) != 0) {
            int e = Native.errno();
            c.ioctl(devFd, LOOP_CLR_FD, 0);
            return e;
        }
        return 0;
    }

    private static void fillInfo(ByteBuffer b, int at, int flags, String file) {
        b.putInt(at + INFO64_FLAGS, flags);
        byte[] name = file.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(name.length, 63); // lo_file_name is informational; the kernel keeps 63 bytes + NUL
        for (int i = 0; i < n; i++) {
            b.put(at + INFO64_FILE_NAME + i, name[i]);
        }
    }

    /** N of /dev/loopN. */
    public int number() {
        return number;
    }

    /** /dev/loopN. */
    public Path path() {
        return Path.of("/dev/loop" + number);
    }

    /** The backing file as given to {@link #attach}. */
    public Path backingFile() {
        return backingFile;
    }

    /** The device number (for mknod of another node of this device). */
    public long deviceNumber() {
        return DeviceNodes.makedev(LOOP_MAJOR, number);
    }

    /**
     * After the backing file changed size: stat it (so a FUSE file's cached size is refreshed from
     * its server, attribute validity 0) and LOOP_SET_CAPACITY, which makes the device take the
     * backing inode's new size.
     */
    public synchronized void refreshCapacity() throws IOException {
        checkOpen();
        Files.size(backingFile);
        Native.check(Native.libc().ioctl(fd, LOOP_SET_CAPACITY, 0), "ioctl", "LOOP_SET_CAPACITY " + path());
    }

    /** Whether the device is still attached (to anything: the number may have been reused). */
    public boolean attached() {
        return backingFileOf(sysDir, number).isPresent();
    }

    /**
     * Detaches: LOOP_CLR_FD (with other openers the kernel turns it into autoclear), then closes
     * this descriptor, and waits up to 5 s for the device to be free. Idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (fd < 0) {
            return;
        }
        int errno = Native.libc().ioctl(fd, LOOP_CLR_FD, 0) == 0 ? 0 : Native.errno();
        Native.closeQuietly(fd);
        fd = -1;
        if (errno != 0 && errno != ENXIO) {
            throw new NativeException("ioctl", "LOOP_CLR_FD " + path(), errno);
        }
        awaitDetached(sysDir, number, Duration.ofSeconds(5));
    }

    private void checkOpen() throws IOException {
        if (fd < 0) {
            throw new IOException(path() + " is closed");
        }
    }

    /**
     * Detaches /dev/loopN that another process attached (LOOP_CLR_FD; with other openers the kernel
     * turns it into autoclear) and waits up to 5 s for it to be free; true if it is.
     */
    public static boolean clear(int number) {
        int fd = Native.libc().open("/dev/loop" + number, O_RDONLY | O_CLOEXEC, 0);
        if (fd >= 0) {
            Native.libc().ioctl(fd, LOOP_CLR_FD, 0);
            Native.closeQuietly(fd);
        }
        return awaitDetached(number, Duration.ofSeconds(5));
    }

    /** The backing file the kernel reports for /dev/loopN, if it is attached. */
    public static Optional<String> backingFileOf(int number) {
        return backingFileOf(SYS, number);
    }

    /** As {@link #backingFileOf(int)}, reading the host's sysfs at {@code sysDir}. */
    public static Optional<String> backingFileOf(Path sysDir, int number) {
        Path p = sysDir.resolve("block/loop" + number + "/loop/backing_file");
        try {
            return Optional.of(Files.readString(p).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Waits until /dev/loopN has no backing file; returns whether it got there in time. */
    public static boolean awaitDetached(int number, Duration timeout) {
        return awaitDetached(SYS, number, timeout);
    }

    /** As {@link #awaitDetached(int, Duration)}, reading the host's sysfs at {@code sysDir}. */
    public static boolean awaitDetached(Path sysDir, int number, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (backingFileOf(sysDir, number).isPresent()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(Duration.ofMillis(20));
        }
        return true;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return path() + " on " + backingFile;
    }
}
