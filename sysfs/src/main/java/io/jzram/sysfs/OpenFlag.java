// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/** open(2) flags the machine's file API understands. Without an access flag a file opens read-only. */
public enum OpenFlag {
    /** O_RDONLY. */
    RDONLY,
    /** O_WRONLY. */
    WRONLY,
    /** O_RDWR. */
    RDWR,
    /** O_CREAT: sysfs and /dev cannot create files, so a missing file is EACCES instead of ENOENT. */
    CREAT,
    /** O_TRUNC: accepted and ignored (sysfs files have no size to cut). */
    TRUNC,
    /** O_DIRECTORY: ENOTDIR unless the path is a directory. */
    DIRECTORY
}
