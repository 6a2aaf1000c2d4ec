// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.sys.DeviceNodes;
import io.jzram.fuse.sys.Mounts;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The namespace's /dev: devtmpfs is one instance shared by every mount namespace, so nothing is
 * created in it; a tmpfs is mounted over /dev instead and the host's tree is copied into it (device
 * nodes by mknod with the same type, major:minor, mode and owner; symlinks such as /dev/fd and
 * /dev/stdin with the same targets; directories), leaving out the nodes the run must hide (the
 * host's own zram devices), and the host's submounts of /dev (pts, shm, mqueue, hugepages) are bound
 * again at their places. The run then adds and removes its own nodes (/dev/zramN) here. Mirrors
 * what devtmpfs_init + udev give a booting system, for one namespace.
 *
 * <p>Threading: {@link #mount} once, then {@link #addBlockNode}/{@link #remove} from any thread
 * (file operations on the tmpfs). Nothing to close: the mounts end with the namespace, and the
 * inner process detaches them at its end.
 */
final class DevTree {
    private static final Path DEV = Path.of("/dev");
    private static final List<String> SUBMOUNTS = List.of("pts", "shm", "mqueue", "hugepages");

    private final Path dev;
    private final List<String> skipped = new ArrayList<>();

    private DevTree(Path dev) {
        this.dev = dev;
    }

    /** The host's nodes that could not be made (mknod refused). */
    List<String> skipped() {
        return List.copyOf(skipped);
    }

    /**
     * Mounts a tmpfs on /dev and fills it from {@code hostDev} (the covered host /dev), skipping
     * nodes {@code hide} matches (by name relative to /dev and device number).
     */
    static DevTree mount(Path hostDev, Predicate<Node> hide) throws IOException {
        List<Node> nodes = scan(DEV); // before it is covered
        List<String> submounts = SUBMOUNTS.stream().filter(DevTree::isMountPoint).toList();
        Mounts.mount("tmpfs", DEV, "tmpfs", Mounts.MS_NOSUID, "mode=755,size=65536k");
        DevTree t = new DevTree(DEV);
        for (Node n : nodes) {
            if (hide.test(n)) {
                continue;
            }
            try {
                t.recreate(n);
            } catch (IOException e) {
                t.skipped.add(n.name()); // a device cgroup may refuse mknod of some devices (EPERM): the host's own disks
            }
        }
        for (String sub : submounts) {
            Path dst = DEV.resolve(sub);
            if (Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) {
                Mounts.bind(hostDev.resolve(sub), dst, true);
            }
        }
        return t;
    }

    /** Whether the host has a mount at /dev/NAME. */
    private static boolean isMountPoint(String name) {
        return Mounts.table().stream().anyMatch(m -> m.mountPoint().equals(DEV.resolve(name)));
    }

    /** One entry of the host's /dev. */
    record Node(String name, char type, int mode, int uid, int gid, long rdev, String target) {
        int major() {
            return DeviceNodes.major(rdev);
        }

        int minor() {
            return DeviceNodes.minor(rdev);
        }
    }

    private static List<Node> scan(Path hostDev) throws IOException {
        List<Node> out = new ArrayList<>();
        Files.walkFileTree(hostDev, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                if (!d.equals(hostDev)) {
                    String rel = hostDev.relativize(d).toString();
                    out.add(node(rel, d, 'd'));
                    if (SUBMOUNTS.contains(rel)) {
                        return FileVisitResult.SKIP_SUBTREE; // bound as a whole
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String rel = hostDev.relativize(f).toString();
                if (a.isSymbolicLink()) {
                    out.add(new Node(rel, 'l', 0777, 0, 0, 0, Files.readSymbolicLink(f).toString()));
                } else if (a.isOther()) {
                    out.add(node(rel, f, '?'));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static Node node(String rel, Path p, char type) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        char t = type;
        if (t == '?') {
            int fmt = mode & 0170000;
            t = fmt == DeviceNodes.S_IFBLK ? 'b' : fmt == DeviceNodes.S_IFCHR ? 'c' : '-';
        }
        return new Node(rel, t, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), ((Number) a.get("rdev")).longValue(), null);
    }

    private void recreate(Node n) throws IOException {
        Path p = dev.resolve(n.name());
        switch (n.type()) {
            case 'd':
                Files.createDirectories(p);
                break;
            case 'l':
                Files.createSymbolicLink(p, Path.of(n.target()));
                return;
            case 'b':
                DeviceNodes.mknodBlock(p, n.major(), n.minor(), n.mode());
                break;
            case 'c':
                DeviceNodes.mknodChar(p, n.major(), n.minor(), n.mode());
                break;
            default:
                return; // regular files and sockets are not device nodes
        }
        Files.setAttribute(p, "unix:mode", n.mode(), LinkOption.NOFOLLOW_LINKS); // past the umask
        Files.setAttribute(p, "unix:uid", n.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", n.gid(), LinkOption.NOFOLLOW_LINKS);
    }

    /** mknod /dev/NAME b MAJOR MINOR, mode 0660 root:disk as udev makes disks (replacing a stale one). */
    void addBlockNode(String name, int major, int minor) throws IOException {
        Path p = dev.resolve(name);
        Files.deleteIfExists(p);
        DeviceNodes.mknodBlock(p, major, minor, 0660);
        Files.setPosixFilePermissions(p, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE));
        diskGroup().ifPresent(g -> {
            try {
                Files.setAttribute(p, "unix:gid", g);
            } catch (IOException e) {
                // root's group then
            }
        });
    }

    private java.util.Optional<Integer> diskGroup() {
        try {
            return Files.readAllLines(Path.of("/etc/group")).stream().filter(l -> l.startsWith("disk:"))
                    .map(l -> Integer.parseInt(l.split(":")[2])).findFirst();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** rm /dev/NAME (a node the run made). */
    void remove(String name) {
        try {
            Files.deleteIfExists(dev.resolve(name));
        } catch (IOException e) {
            // already gone
        }
    }

    /** The path of /dev/NAME. */
    Path path(String name) {
        return dev.resolve(name);
    }
}
