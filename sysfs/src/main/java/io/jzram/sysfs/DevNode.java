// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/**
 * A device node in /dev as devtmpfs creates it for a device with a dev_t: name, block or character,
 * major:minor, mode, and what opening it reaches (a {@link GenDisk} for block nodes, a
 * {@link CharDevice} or nothing for character nodes). Immutable.
 */
public final class DevNode {

    /** S_IFBLK or S_IFCHR. */
    public enum Kind {
        BLOCK, CHAR
    }

    private final String name;
    private final Kind kind;
    private final int major;
    private final int minor;
    private final int mode;
    private final Object backing;

    DevNode(String name, Kind kind, int major, int minor, int mode, Object backing) {
        this.name = name;
        this.kind = kind;
        this.major = major;
        this.minor = minor;
        this.mode = mode;
        this.backing = backing;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    /** Permission bits (0660 for disks, 0600 for misc devices, 0666 for /dev/zero). */
    public int mode() {
        return mode;
    }

    /** The disk behind a block node, or null. */
    public GenDisk disk() {
        return backing instanceof GenDisk ? (GenDisk) backing : null;
    }

    /** The operations behind a character node, or null when it has none (open answers ENODEV). */
    public CharDevice charDevice() {
        if (backing instanceof CharDevice) {
            return (CharDevice) backing;
        }
        if (backing instanceof MiscDevice) {
            return ((MiscDevice) backing).fops();
        }
        return null;
    }

    /** The misc device behind a character node, or null. */
    public MiscDevice miscDevice() {
        return backing instanceof MiscDevice ? (MiscDevice) backing : null;
    }

    @Override
    public String toString() {
        return (kind == Kind.BLOCK ? "b" : "c") + " " + major + ":" + minor + " /dev/" + name;
    }
}
