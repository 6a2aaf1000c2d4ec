// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.locking.ActiveRefCount;
import io.jzram.kernel.module.Module;
import java.util.TreeMap;

/**
 * struct kernfs_node: a directory, an attribute file or a symlink, with its name, mode, parent,
 * owner module (the seed's patch 09/12 adds {@code kn->owner}), its active references
 * ({@code kn->active}, a lockdep pseudo-lock for files created with a lock class) and, for files,
 * the ops and the private pointer ({@code kn->priv}: the attribute for sysfs files).
 *
 * <p>Locking: the child map and the parent link are changed under the root's
 * {@code kernfs_rwsem} (write) and read under it (read); everything else is immutable or volatile.
 * A node that has been removed stays readable (open files keep it) but is deactivated, so every
 * operation on it answers ENODEV.
 */
public final class KernfsNode {

    private final KernfsRoot root;
    private final String name;
    private final KernfsNodeType type;
    private final int mode;
    private final Module owner;
    private final KernfsOps ops;
    private final Object priv;
    private final KernfsNode target;
    private final long size;
    private final long ino;
    final ActiveRefCount active;
    /** Active references held without the owner module (taken while the owner-reference fix was off). */
    final java.util.concurrent.atomic.AtomicInteger unpinned = new java.util.concurrent.atomic.AtomicInteger();
    /** Children by name (directories only); guarded by the root's kernfs_rwsem. */
    final TreeMap<String, KernfsNode> children;
    volatile KernfsNode parent;
    /** Unlinked from its parent (kernfs_unlink_sibling succeeded). */
    volatile boolean removed;

    KernfsNode(KernfsRoot root, String name, KernfsNodeType type, int mode, Module owner, KernfsOps ops, Object priv,
            KernfsNode target, long size, ActiveRefCount active, long ino) {
        this.root = root;
        this.name = name;
        this.type = type;
        this.mode = mode;
        this.owner = owner;
        this.ops = ops;
        this.priv = priv;
        this.target = target;
        this.size = size;
        this.active = active;
        this.ino = ino;
        this.children = type == KernfsNodeType.DIR ? new TreeMap<>() : null;
    }

    public KernfsRoot root() {
        return root;
    }

    public String name() {
        return name;
    }

    public KernfsNodeType type() {
        return type;
    }

    public boolean isDir() {
        return type == KernfsNodeType.DIR;
    }

    public boolean isFile() {
        return type == KernfsNodeType.FILE;
    }

    public boolean isLink() {
        return type == KernfsNodeType.LINK;
    }

    /** Permission bits (0644, 0200, 0755, 0777 for links). */
    public int mode() {
        return mode;
    }

    /** The module the node belongs to (kn->owner), or null for built-in nodes. */
    public Module owner() {
        return owner;
    }

    /** kn->priv: the attribute of a sysfs file, the kobject of a sysfs directory. */
    public Object priv() {
        return priv;
    }

    KernfsOps ops() {
        return ops;
    }

    /** The target of a symlink (kn->symlink.target_kn); null for other nodes. */
    public KernfsNode target() {
        return target;
    }

    /** The size stat() reports (PAGE_SIZE for sysfs attributes). */
    public long size() {
        return size;
    }

    /** The inode number. */
    public long ino() {
        return ino;
    }

    /** The parent directory; null for the root. Kept after removal. */
    public KernfsNode parent() {
        return parent;
    }

    /** kernfs_active(): not deactivated (and so not being removed). */
    public boolean isActive() {
        return !active.isDeactivated() && !removed;
    }

    /** Whether the node was unlinked from the tree. */
    public boolean isRemoved() {
        return removed;
    }

    /** Active references held right now (stores and shows in flight). */
    public int activeCount() {
        return active.count();
    }

    /** The active-reference counter (its lockdep class is the node's kn->active#N). */
    public ActiveRefCount activeRefs() {
        return active;
    }

    /** The path from the root: {@code /devices/virtual/block/zram0/disksize}; {@code /} for the root. */
    public String path() {
        StringBuilder sb = new StringBuilder();
        for (KernfsNode n = this; n != null && n.parent != null; n = n.parent) {
            sb.insert(0, n.name).insert(0, '/');
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    @Override
    public String toString() {
        return type + " " + path() + String.format(" %04o", mode) + (owner == null ? "" : " [" + owner.name() + "]");
    }
}
