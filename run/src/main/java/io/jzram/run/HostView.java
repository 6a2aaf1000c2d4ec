// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.OpenFlags;
import io.jzram.fuse.sys.Native;
import io.jzram.fuse.sys.NativeException;
import java.nio.file.Path;

/**
 * The host's /dev and /sys as the inner process still reaches them after it covered both with
 * mounts of its own (a tmpfs on /dev, the FUSE sysfs on /sys): O_PATH descriptors opened before,
 * named {@code /proc/self/fd/N}, through which the loop devices (loop-control, loopN, their sysfs
 * files) and the host's device nodes are found. The command cannot name them: its /proc/self is
 * itself, and nothing of the host's /sys or devtmpfs is mounted where it looks. Mirrors nothing in
 * the kernel; it is how one process keeps two views of the same paths.
 *
 * <p>Lifecycle: {@link #open()} before the covering mounts, {@link #close()} at the end. Immutable
 * between the two; thread-safe.
 */
final class HostView implements AutoCloseable {
    private static final int O_PATH = 010000000;
    private static final int FLAGS = O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;

    private final int devFd;
    private final int sysFd;

    private HostView(int devFd, int sysFd) {
        this.devFd = devFd;
        this.sysFd = sysFd;
    }

    static HostView open() throws NativeException {
        int dev = Native.check(Native.libc().open("/dev", FLAGS, 0), "open", "/dev");
        int sys;
        try {
            sys = Native.check(Native.libc().open("/sys", FLAGS, 0), "open", "/sys");
        } catch (NativeException e) {
            Native.closeQuietly(dev);
            throw e;
        }
        return new HostView(dev, sys);
    }

    /** The host's /dev (devtmpfs, with its submounts: pts, shm, mqueue...). */
    Path dev() {
        return Path.of("/proc/self/fd/" + devFd);
    }

    /** The host's /sys. */
    Path sys() {
        return Path.of("/proc/self/fd/" + sysFd);
    }

    @Override
    public void close() {
        Native.closeQuietly(sysFd);
        Native.closeQuietly(devFd);
    }
}
