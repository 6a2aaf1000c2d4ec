// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/** The Linux open(2) flags (x86-64 / asm-generic values) a {@link FuseFileSystem} sees. */
public final class OpenFlags {
    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;

    private OpenFlags() {
    }

    /** Whether the access mode allows reading. */
    public static boolean readable(int flags) {
        return (flags & O_ACCMODE) != O_WRONLY;
    }

    /** Whether the access mode allows writing. */
    public static boolean writable(int flags) {
        int acc = flags & O_ACCMODE;
        return acc == O_WRONLY || acc == O_RDWR;
    }
}
