// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsRoot;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The path walk of fs/namei.c (link_path_walk, walk_component, follow_dotdot, step_into/pick_link)
 * over the machine's name space: {@code /sys} is kernfs, {@code /dev} is devtmpfs, nothing else
 * exists. Paths are taken as absolute (a relative one starts at the root); empty components and
 * {@code .} are skipped, {@code ..} goes to the parent (the root is its own), a symlink is followed
 * by its text relative to the directory holding it, and more than {@link #MAX_SYMLINKS} links in
 * one walk is ELOOP. A trailing slash on a non-directory is ENOTDIR.
 *
 * <p>Threading: stateless apart from the two file systems it reads, so any thread may walk at any
 * time. Each kernfs step takes {@code kernfs_rwsem} for reading (kernfs_iop_lookup) and devtmpfs
 * is a concurrent map; nothing is held between steps, so a walk that races a removal ends in ENOENT
 * or in a place whose node is already gone (the later open says so), as an RCU walk would.
 */
final class PathWalk {

    /** MAXSYMLINKS (include/linux/namei.h). */
    static final int MAX_SYMLINKS = 40;

    private final KernfsRoot kernfs;
    private final Devtmpfs devtmpfs;

    PathWalk(KernfsRoot kernfs, Devtmpfs devtmpfs) {
        this.kernfs = kernfs;
        this.devtmpfs = devtmpfs;
    }

    /** Resolves {@code path}; {@code followLast} is LOOKUP_FOLLOW (false for lstat and readlink). */
    Place walk(String path, boolean followLast) {
        if (path == null || path.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, "empty path");
        }
        Deque<String> comps = components(path);
        Place cur = Place.ROOT;
        int links = 0;
        while (!comps.isEmpty()) {
            String c = comps.pollFirst();
            boolean last = comps.isEmpty();
            if (c.equals("..")) {
                cur = cur.parent();
                continue;
            }
            if (!cur.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, "a component of " + path + " is not a directory");
            }
            switch (cur.kind()) {
                case ROOT:
                    if (c.equals("sys")) {
                        cur = Place.kernfs(kernfs.root());
                    } else if (c.equals("dev")) {
                        cur = Place.DEV_DIR;
                    } else {
                        throw noEntry(path);
                    }
                    break;
                case DEV_DIR: {
                    DevNode n = devtmpfs.lookup(c);
                    if (n == null) {
                        throw noEntry(path);
                    }
                    cur = Place.dev(n);
                    break;
                }
                case KERNFS: {
                    KernfsNode child = kernfs.lookup(cur.node(), c);
                    if (child == null) {
                        throw noEntry(path);
                    }
                    if (child.isLink() && (!last || followLast)) {
                        if (++links > MAX_SYMLINKS) {
                            throw new ErrnoException(Errno.ELOOP, path + ": too many levels of symbolic links");
                        }
                        Deque<String> target = components(kernfs.linkTargetPath(child));
                        while (!target.isEmpty()) {
                            comps.addFirst(target.pollLast());
                        }
                        // cur stays the link's directory: the target text is relative to it
                        continue;
                    }
                    cur = Place.kernfs(child);
                    break;
                }
                default:
                    throw new ErrnoException(Errno.ENOTDIR, "a component of " + path + " is not a directory");
            }
        }
        if (path.endsWith("/") && !cur.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, path + " is not a directory");
        }
        return cur;
    }

    /** The directory part of a path ({@code /} for a name in the root). */
    static String dirname(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private static ErrnoException noEntry(String path) {
        return new ErrnoException(Errno.ENOENT, path + ": no such file or directory");
    }

    private static Deque<String> components(String path) {
        Deque<String> out = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }
}
