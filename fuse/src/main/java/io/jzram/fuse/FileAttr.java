// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * The attributes of a file as {@code lstat(2)} shows them (struct fuse_attr): the type and
 * permission bits of {@code st_mode}, size, link count, owner, device number (for device nodes),
 * one time for atime/mtime/ctime (as kernfs keeps), and optionally an inode number.
 *
 * @param mode      {@code S_IFxxx | permissions}, e.g. {@code S_IFREG | 0644}
 * @param size      st_size in bytes (a symlink's is the length of its target)
 * @param nlink     st_nlink
 * @param uid       owner
 * @param gid       group
 * @param rdev      the device number of a device node (glibc's dev_t encoding), else 0
 * @param timeNanos atime = mtime = ctime, nanoseconds since the epoch
 * @param ino       st_ino; 0 lets the server use its node id
 */
public record FileAttr(int mode, long size, int nlink, int uid, int gid, long rdev, long timeNanos, long ino) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFCHR = 0020000;

    public FileAttr {
        if ((mode & S_IFMT) == 0) {
            throw new IllegalArgumentException("mode has no file type: " + Integer.toOctalString(mode));
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }

    /** A directory, owned by root, with the given permission bits. */
    public static FileAttr directory(int perm, long timeNanos) {
        return new FileAttr(S_IFDIR | (perm & 07777), 0, 2, 0, 0, 0, timeNanos, 0);
    }

    /** A regular file, owned by root. */
    public static FileAttr file(int perm, long size, long timeNanos) {
        return new FileAttr(S_IFREG | (perm & 07777), size, 1, 0, 0, 0, timeNanos, 0);
    }

    /** A symlink (mode 0777, as Linux shows them) to {@code target}. */
    public static FileAttr symlink(String target, long timeNanos) {
        return new FileAttr(S_IFLNK | 0777, target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, 1, 0, 0, 0,
                timeNanos, 0);
    }

    /** The file type bits ({@code mode & S_IFMT}). */
    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public FileAttr withSize(long newSize) {
        return new FileAttr(mode, newSize, nlink, uid, gid, rdev, timeNanos, ino);
    }

    public FileAttr withMode(int newMode) {
        return new FileAttr(newMode, size, nlink, uid, gid, rdev, timeNanos, ino);
    }

    public FileAttr withOwner(int newUid, int newGid) {
        return new FileAttr(mode, size, nlink, newUid, newGid, rdev, timeNanos, ino);
    }
}
