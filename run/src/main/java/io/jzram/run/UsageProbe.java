// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.OpenFlags;
import io.jzram.fuse.sys.DeviceNodes;
import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.Native;
import io.jzram.kernel.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether the real block device that stands for an emulated disk (a loop device, /dev/zramN in the
 * namespace) is in use, asked right before an operation whose answer depends on it (reset,
 * disksize, hot_remove, rmmod). The loop device's own open of its backing file does not count (it
 * is not an open of the emulated disk); these do, in this order:
 * <ol>
 *   <li>swap: an entry of /proc/swaps whose file is this device (swapon);
 *   <li>a mount of this device in the namespace's mount table (mount);
 *   <li>a descriptor of this device held by a process of the namespace (a scan of /proc/PID/fd:
 *       mkfs, dd, blkdiscard, a shell's exec 3&lt;&gt;/dev/zram0);
 *   <li>an exclusive open (O_EXCL on a block device fails with EBUSY while the device is mounted,
 *       swapped on or held by a mkfs anywhere: this also sees mounts of nested namespaces and
 *       holders outside the namespace). It holds the device for a moment, so it runs last, only
 *       when the others found nothing.
 * </ol>
 * What it cannot see: a descriptor held by a process outside the namespace without O_EXCL (a host
 * process opening the loop device: it would have to look for it); a use that starts after the probe
 * and before the operation takes effect (the kernel's check and the open are atomic, this probe
 * and the store are not: a swapon racing an rmmod can win where the kernel's would fail; once the
 * module is going, {@link MachineBlockBackend} refuses the device's I/O with ENXIO as blkdev_get
 * would refuse the open, which shrinks that window to the instant before, and a disk that goes
 * away while swapped on is swapped off at once by {@link ZramDevices}); and a process inside that
 * opens the device while the exclusive probe holds it gets EBUSY for that instant. Stateless;
 * thread-safe.
 */
final class UsageProbe {
    private UsageProbe() {
    }

    /** Why {@code node} (a block device node of loop {@code loop}) is in use, or empty. */
    static Optional<String> inUse(Path node, int loop, String ns) {
        long rdev = DeviceNodes.makedev(LoopDevice.LOOP_MAJOR, loop);
        Optional<String> r = swap(rdev);
        if (r.isEmpty()) {
            r = mounted(loop);
        }
        if (r.isEmpty()) {
            r = openBy(rdev, ns);
        }
        if (r.isEmpty()) {
            r = exclusive(node);
        }
        return r;
    }

    static Optional<String> swap(long rdev) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/swaps"));
            for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String file = l.split("\\s+")[0];
                if (rdevOf(Path.of(file.replace("\\040", " "))) == rdev) {
                    return Optional.of("swap");
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc/swaps
        }
        return Optional.empty();
    }

    /**
     * swapoff(2) of the swap area on block device {@code node} (any node of it: the kernel finds
     * the area by the device's inode mapping, whatever node it was swapped on by). Returns 0, or the
     * errno: EINVAL when nothing is swapped on there.
     */
    static int swapoff(Path node) {
        return Native.libc().swapoff(node.toString()) == 0 ? 0 : Native.errno();
    }

    static Optional<String> mounted(int loop) {
        String dev = LoopDevice.LOOP_MAJOR + ":" + loop;
        for (MountEntry m : Mounts.table()) {
            if (m.device().equals(dev)) {
                return Optional.of("mounted on " + m.mountPoint());
            }
        }
        return Optional.empty();
    }

    static Optional<String> openBy(long rdev, String ns) {
        for (long pid : NamespaceProcesses.in(ns)) {
            Path fds = Path.of("/proc/" + pid + "/fd");
            try (Stream<Path> s = Files.list(fds)) {
                for (Path fd : (Iterable<Path>) s::iterator) {
                    if (rdevOf(fd) == rdev) {
                        return Optional.of("open by pid " + pid + " (" + comm(pid) + ")");
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return Optional.empty();
    }

    static Optional<String> exclusive(Path node) {
        int fd = Native.libc().open(node.toString(), OpenFlags.O_RDONLY | OpenFlags.O_EXCL | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC, 0);
        if (fd >= 0) {
            Native.closeQuietly(fd);
            return Optional.empty();
        }
        return Native.errno() == Errno.EBUSY.number() ? Optional.of("held exclusively") : Optional.empty();
    }

    /** st_rdev of a block device (following links), or -1. */
    private static long rdevOf(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            if ((mode & 0170000) != DeviceNodes.S_IFBLK) {
                return -1;
            }
            return DeviceNodes.deviceNumber(p);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
