// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Device nodes: mknod(2) of block and character devices, e.g. a /dev/zram0 that is really a loop
 * device, made in a private tmpfs (devtmpfs is one instance shared by every mount namespace, so a
 * node made there would show on the host). Device numbers use glibc's dev_t encoding
 * (gnu_dev_makedev), as {@code stat} reports st_rdev. Stateless; thread-safe.
 */
public final class DeviceNodes {
    public static final int S_IFBLK = 0060000;
    public static final int S_IFCHR = 0020000;

    private DeviceNodes() {
    }

    /** glibc's makedev(major, minor). */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    /** major(dev). */
    public static int major(long dev) {
        return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
    }

    /** minor(dev). */
    public static int minor(long dev) {
        return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
    }

    /** Creates block device node {@code path} for {@code major:minor} with permissions {@code perm}. */
    public static void mknodBlock(Path path, int major, int minor, int perm) throws NativeException {
        Native.check(Native.libc().mknod(path.toString(), S_IFBLK | (perm & 07777), makedev(major, minor)), "mknod",
                path + " b " + major + " " + minor);
    }

    /** Creates character device node {@code path} for {@code major:minor} with permissions {@code perm}. */
    public static void mknodChar(Path path, int major, int minor, int perm) throws NativeException {
        Native.check(Native.libc().mknod(path.toString(), S_IFCHR | (perm & 07777), makedev(major, minor)), "mknod",
                path + " c " + major + " " + minor);
    }

    /** st_rdev of a device node (0 for other files). */
    public static long deviceNumber(Path node) throws IOException {
        return ((Number) Files.getAttribute(node, "unix:rdev")).longValue();
    }
}
