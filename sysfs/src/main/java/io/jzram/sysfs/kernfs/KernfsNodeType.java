// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

/** enum kernfs_node_type: KERNFS_DIR, KERNFS_FILE, KERNFS_LINK. */
public enum KernfsNodeType {
    /** A directory (a kobject, an attribute group with a name, a plain directory). */
    DIR,
    /** An attribute file with show/write operations. */
    FILE,
    /** A symlink to another node of the same tree. */
    LINK
}
