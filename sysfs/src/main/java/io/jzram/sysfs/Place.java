// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.sysfs.kernfs.KernfsNode;

/**
 * Where a path walk ended (the {@code struct path} of fs/namei.c, for the three file systems a
 * {@link Machine} mounts): the machine's root, a kernfs node under /sys, the /dev directory or a
 * node in it. Immutable; a place names a node, it holds no reference on it (the node may be removed
 * after the walk, and opening it then fails as the kernel's open of a dying node does).
 */
record Place(Kind kind, KernfsNode node, DevNode dev) {

    /** Which file system, and whether it is a directory of devtmpfs or one of its nodes. */
    enum Kind {
        ROOT, KERNFS, DEV_DIR, DEV_NODE
    }

    static final Place ROOT = new Place(Kind.ROOT, null, null);
    static final Place DEV_DIR = new Place(Kind.DEV_DIR, null, null);

    static Place kernfs(KernfsNode node) {
        return new Place(Kind.KERNFS, node, null);
    }

    static Place dev(DevNode node) {
        return new Place(Kind.DEV_NODE, null, node);
    }

    boolean isDir() {
        return kind == Kind.ROOT || kind == Kind.DEV_DIR || (kind == Kind.KERNFS && node.isDir());
    }

    /** {@code ..} (follow_dotdot): the parent directory; the root is its own parent. */
    Place parent() {
        switch (kind) {
            case KERNFS:
                KernfsNode parent = node.parent();
                return parent == null ? ROOT : kernfs(parent);
            case DEV_NODE:
                return DEV_DIR;
            default:
                return ROOT;
        }
    }
}
