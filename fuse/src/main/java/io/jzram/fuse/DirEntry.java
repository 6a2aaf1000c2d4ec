// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * One name in a directory listing (struct fuse_dirent without the offsets, which the server keeps).
 *
 * @param name a single path component: no '/', not "." or ".." (the server adds those)
 * @param type the file type bits ({@link FileAttr#S_IFDIR} ...), or 0 where unknown (DT_UNKNOWN)
 */
public record DirEntry(String name, int type) {
    public DirEntry {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a directory entry name: '" + name + "'");
        }
        if ((type & ~FileAttr.S_IFMT) != 0) {
            throw new IllegalArgumentException("type has more than S_IFMT bits: " + Integer.toOctalString(type));
        }
    }
}
