// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * mount(2) and umount2(2) for the mounts this module makes: tmpfs, bind mounts, FUSE (through
 * {@link io.jzram.fuse.FuseMount}), and propagation changes; plus reading the calling process's
 * mount table. They act on the caller's mount namespace: in the host namespace only under paths
 * the caller owns (a fresh temporary directory), or inside a private namespace (see
 * {@link PrivateMountNamespace}). Stateless; thread-safe.
 */
public final class Mounts {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final int MNT_DETACH = 2;
    private static final int EINVAL = 22;
    private static final int ENOENT = 2;

    private Mounts() {
    }

    /** mount(2). */
    public static void mount(String source, Path target, String fsType, long flags, String data) throws NativeException {
        Native.check(Native.libc().mount(source, target.toString(), fsType, flags, data), "mount",
                fsType + " " + source + " on " + target + (data == null ? "" : " -o " + data));
    }

    /** A tmpfs on {@code target} ({@code options}: e.g. "size=16m,mode=755", or null). */
    public static void mountTmpfs(Path target, String options) throws NativeException {
        mount("tmpfs", target, "tmpfs", MS_NOSUID, options);
    }

    /** A bind mount of {@code source} (file or directory) on {@code target}. */
    public static void bind(Path source, Path target, boolean recursive) throws NativeException {
        Native.check(Native.libc().mount(source.toString(), target.toString(), null, MS_BIND | (recursive ? MS_REC : 0), null),
                "mount", "--bind " + source + " " + target);
    }

    /** Makes the mount at {@code target} (and with {@code recursive} those below) private. */
    public static void makePrivate(Path target, boolean recursive) throws NativeException {
        Native.check(Native.libc().mount("none", target.toString(), null, MS_PRIVATE | (recursive ? MS_REC : 0), null),
                "mount", "--make-private " + target);
    }

    /**
     * Lazily unmounts the top mount on {@code target} (umount2 MNT_DETACH): it leaves the tree at
     * once, and the file system goes when its last user does. Returns false if nothing was mounted
     * there (EINVAL) or the path is gone (ENOENT).
     */
    public static boolean detach(Path target) throws NativeException {
        if (Native.libc().umount2(target.toString(), MNT_DETACH) == 0) {
            return true;
        }
        int errno = Native.errno();
        if (errno == EINVAL || errno == ENOENT) {
            return false;
        }
        throw new NativeException("umount2", target + ", MNT_DETACH", errno);
    }

    /** umount2 without flags: fails with EBUSY while the mount is in use. */
    public static void unmount(Path target) throws NativeException {
        Native.check(Native.libc().umount2(target.toString(), 0), "umount2", target.toString());
    }

    /** The calling process's mount table, in mount order. */
    public static List<MountEntry> table() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(MountEntry::parse)
                    .collect(Collectors.toUnmodifiableList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mounts whose mount point is {@code path}, bottom first (the last one is visible). */
    public static List<MountEntry> at(Path path) {
        Path p = path.toAbsolutePath().normalize();
        return table().stream().filter(m -> m.mountPoint().equals(p)).collect(Collectors.toUnmodifiableList());
    }

    /** The visible (top) mount at exactly {@code path}, if any. */
    public static Optional<MountEntry> top(Path path) {
        List<MountEntry> l = at(path);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(l.size() - 1));
    }

    /** The mounts at {@code path} or below it. */
    public static List<MountEntry> under(Path path) {
        Path p = path.toAbsolutePath().normalize();
        return table().stream().filter(m -> m.mountPoint().startsWith(p)).collect(Collectors.toUnmodifiableList());
    }
}
