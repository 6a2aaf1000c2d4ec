// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.kernel.Errno;
import java.util.List;

/**
 * A file system that a {@link FuseMount} serves, addressed by path: "/" is the mount's root, every
 * other path is absolute, its components separated by single '/' ("/block/zram0/disksize").
 *
 * <p>The methods mirror the VFS operations the kernel forwards as FUSE requests (see
 * {@link FuseServer} for the mapping). Each answers an error by throwing {@link FsException} with
 * the exact errno the calling process should see; anything else thrown is answered with EIO.
 * Defaults answer what the Linux VFS answers for a file system without that operation (create:
 * EACCES; mkdir, unlink, rmdir, chmod, chown: EPERM) or do nothing (utimens, access).
 *
 * <p>Threading: the server calls these methods concurrently from its worker threads, for the same
 * path too; the file system synchronises as it needs. Nothing is cached by the kernel: entries and
 * attributes time out at once, so what a method answers is what the next system call sees.
 */
public interface FuseFileSystem {
    /** lstat: the attributes of {@code path} itself (a symlink is not followed). ENOENT if absent. */
    FileAttr getattr(Caller caller, String path);

    /** The names in directory {@code path}, without "." and "..". ENOTDIR if it is not one. */
    List<DirEntry> readdir(Caller caller, String path);

    /** The target of symlink {@code path}. EINVAL if it is not a symlink. */
    default String readlink(Caller caller, String path) {
        throw new FsException(Errno.EINVAL);
    }

    /**
     * open(2) of an existing regular file. {@code flags} are the open flags as the kernel passes
     * them ({@link OpenFlags}: access mode, O_APPEND, O_NONBLOCK...; O_CREAT, O_EXCL and O_TRUNC are
     * taken out, a truncation arrives as {@link #truncate}). The returned handle serves the reads
     * and writes of this open file description until {@link OpenFile#release()}.
     */
    OpenFile open(Caller caller, String path, int flags);

    /**
     * truncate(2), ftruncate(2), and open(2) with O_TRUNC: set the size of {@code path}.
     * {@code file} is the open file it came through, or null. Default: EPERM.
     */
    default void truncate(Caller caller, String path, long size, OpenFile file) {
        throw new FsException(Errno.EPERM);
    }

    /** chmod(2): {@code mode} holds the permission bits. Default: EPERM. */
    default void chmod(Caller caller, String path, int mode) {
        throw new FsException(Errno.EPERM);
    }

    /** chown(2); -1 leaves that id as it is. Default: EPERM. */
    default void chown(Caller caller, String path, int uid, int gid) {
        throw new FsException(Errno.EPERM);
    }

    /** utimensat(2) (touch): the new mtime, nanoseconds since the epoch. Default: accepted, ignored. */
    default void utimens(Caller caller, String path, long mtimeNanos) {
    }

    /**
     * open(2) with O_CREAT of a name that does not exist: create a regular file and open it.
     * Default: EACCES (what the VFS answers where a file system has no create, as sysfs).
     */
    default OpenFile create(Caller caller, String path, int mode, int flags) {
        throw new FsException(Errno.EACCES);
    }

    /** mkdir(2). Default: EPERM. */
    default void mkdir(Caller caller, String path, int mode) {
        throw new FsException(Errno.EPERM);
    }

    /** unlink(2). Default: EPERM. */
    default void unlink(Caller caller, String path) {
        throw new FsException(Errno.EPERM);
    }

    /** rmdir(2). Default: EPERM. */
    default void rmdir(Caller caller, String path) {
        throw new FsException(Errno.EPERM);
    }

    /**
     * access(2), only asked when the mount has no {@code default_permissions} (with it the kernel
     * checks the mode bits itself). {@code mask}: R_OK 4, W_OK 2, X_OK 1, F_OK 0. Default: allowed.
     */
    default void access(Caller caller, String path, int mask) {
    }

    /** statfs(2). Default: {@link StatFs#pseudo()}. */
    default StatFs statfs(Caller caller) {
        return StatFs.pseudo();
    }

    /** The mount is gone (unmounted, or the server closed): no request follows. Default: nothing. */
    default void destroy() {
    }
}
