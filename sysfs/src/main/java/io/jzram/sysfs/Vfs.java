// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.block.BlockDevice;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsOpenFile;
import io.jzram.sysfs.kernfs.KernfsRoot;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The machine's file API behind {@link Machine}'s path methods: open(2) (fs/open.c do_sys_open:
 * the walk of {@link PathWalk}, then the file system's open: kernfs_fop_open for an attribute, a
 * {@link DirectoryFile}, blkdev_open for a disk node, chrdev_open for a character node),
 * {@code stat}/{@code lstat} (fs/stat.c vfs_statx), readlink (vfs_readlink), readdir, and the
 * shell's conveniences on top of read(2)/write(2) (cat, echo). Errors are the kernel's errnos as
 * {@link ErrnoException}s.
 *
 * <p>Threading: holds no state of its own (the walk's file systems and the open files have their
 * own locks), so every method may be called from any thread, concurrently. See {@link Machine} for
 * what an open file allows.
 */
final class Vfs {

    private final PathWalk walk;
    private final KernfsRoot kernfs;
    private final Devtmpfs devtmpfs;

    Vfs(KernfsRoot kernfs, Devtmpfs devtmpfs) {
        this.walk = new PathWalk(kernfs, devtmpfs);
        this.kernfs = kernfs;
        this.devtmpfs = devtmpfs;
    }

    /** open(2). Without an access flag the file opens read-only. */
    MachineFile open(String path, OpenFlag... flags) {
        Set<OpenFlag> f = flags.length == 0 ? EnumSet.noneOf(OpenFlag.class) : EnumSet.of(flags[0], flags);
        boolean write = f.contains(OpenFlag.WRONLY) || f.contains(OpenFlag.RDWR);
        boolean read = !f.contains(OpenFlag.WRONLY);
        Place p;
        try {
            p = walk.walk(path, true);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT && f.contains(OpenFlag.CREAT)) {
                Place parent = walk.walk(PathWalk.dirname(path), true);
                if (parent.isDir()) {
                    throw new ErrnoException(Errno.EACCES, "cannot create " + path + ": the filesystem has no create");
                }
            }
            throw e;
        }
        if (f.contains(OpenFlag.DIRECTORY) && !p.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path + " is not a directory");
        }
        if (p.isDir()) {
            if (write) {
                throw new ErrnoException(Errno.EISDIR, path + " is a directory");
            }
            return new DirectoryFile(path);
        }
        if (p.kind() == Place.Kind.KERNFS) {
            return new AttributeFile(path, KernfsOpenFile.open(p.node(), read, write));
        }
        DevNode n = p.dev();
        if (n.kind() == DevNode.Kind.BLOCK) {
            return new DiskFile(path, BdevHandle.open(n.disk(), path), read, write);
        }
        return CharFile.open(path, n);
    }

    /** The disk behind a block node's path: ENOENT, ENOTBLK when it is no block node, ENXIO when its disk is gone. */
    private GenDisk disk(String path) {
        Place p = walk.walk(path, true);
        if (p.kind() != Place.Kind.DEV_NODE || p.dev().kind() != DevNode.Kind.BLOCK) {
            throw new ErrnoException(Errno.ENOTBLK, path + " is not a block device");
        }
        return BdevHandle.live(p.dev().disk(), path);
    }

    /** See {@link Machine#blockDevice}. */
    BlockDevice blockDevice(String path) {
        return disk(path).blockDevice();
    }

    /** See {@link Machine#openBlockDevice(String)}. */
    BdevHandle openBlockDevice(String path) {
        return BdevHandle.open(disk(path), path);
    }

    /** cat: the whole content, read 4096 bytes at a time until end of file. */
    byte[] readFile(String path) {
        try (MachineFile f = open(path, OpenFlag.RDONLY)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = f.read(buf, 0, buf.length)) > 0) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** cat, as text (bytes as ISO-8859-1 characters). */
    String cat(String path) {
        return new String(readFile(path), StandardCharsets.ISO_8859_1);
    }

    /** Exactly one write(2) of {@code data}, opened O_WRONLY|O_CREAT|O_TRUNC. */
    int write(String path, byte[] data) {
        try (MachineFile f = open(path, OpenFlag.WRONLY, OpenFlag.CREAT, OpenFlag.TRUNC)) {
            return f.write(data, 0, data.length);
        }
    }

    /** {@code echo -n VALUE > PATH}: one write(2) per remaining part, as stdio does. */
    void writeString(String path, String value) {
        byte[] data = value.getBytes(StandardCharsets.ISO_8859_1);
        try (MachineFile f = open(path, OpenFlag.WRONLY, OpenFlag.CREAT, OpenFlag.TRUNC)) {
            int off = 0;
            while (off < data.length) {
                int n = f.write(data, off, data.length - off);
                if (n <= 0) {
                    break;
                }
                off += n;
            }
            if (data.length == 0) {
                f.write(data, 0, 0);
            }
        }
    }

    /** ls: the names in a directory, sorted; for a file, its own name. */
    List<String> ls(String path) {
        Place p = walk.walk(path, true);
        switch (p.kind()) {
            case ROOT:
                return List.of("dev", "sys");
            case DEV_DIR: {
                List<String> out = new ArrayList<>();
                for (DevNode n : devtmpfs.list()) {
                    out.add(n.name());
                }
                return out;
            }
            case KERNFS: {
                if (!p.node().isDir()) {
                    return List.of(p.node().name());
                }
                List<String> out = new ArrayList<>();
                for (KernfsNode kn : kernfs.list(p.node())) {
                    out.add(kn.name());
                }
                return out;
            }
            default:
                return List.of(p.dev().name());
        }
    }

    /** readlink: the text of a symlink (EINVAL for anything else). */
    String readlink(String path) {
        Place p = walk.walk(path, false);
        if (p.kind() != Place.Kind.KERNFS || !p.node().isLink()) {
            throw new ErrnoException(Errno.EINVAL, path + " is not a symlink");
        }
        return kernfs.linkTargetPath(p.node());
    }

    /** stat(2) ({@code follow}) or lstat(2). */
    FileStat stat(String path, boolean follow) {
        Place p = walk.walk(path, follow);
        switch (p.kind()) {
            case ROOT:
            case DEV_DIR:
                return new FileStat(path, FileStat.Type.DIRECTORY, 0755, 0, 0, 0, null);
            case KERNFS: {
                KernfsNode kn = p.node();
                if (kn.isDir()) {
                    return new FileStat(path, FileStat.Type.DIRECTORY, kn.mode(), 0, 0, 0, null);
                }
                if (kn.isLink()) {
                    return new FileStat(path, FileStat.Type.SYMLINK, 0777, 0, 0, 0, kernfs.linkTargetPath(kn));
                }
                return new FileStat(path, FileStat.Type.REGULAR, kn.mode(), kn.size(), 0, 0, null);
            }
            default: {
                DevNode n = p.dev();
                FileStat.Type t = n.kind() == DevNode.Kind.BLOCK ? FileStat.Type.BLOCK_DEVICE : FileStat.Type.CHAR_DEVICE;
                long size = n.disk() != null ? n.disk().blockDevice().capacity() : 0;
                return new FileStat(path, t, n.mode(), size, n.major(), n.minor(), null);
            }
        }
    }

    /** Whether the path resolves (following symlinks). */
    boolean exists(String path) {
        try {
            walk.walk(path, true);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }
}
