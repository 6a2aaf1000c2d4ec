// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * The Linux errno values (x86-64 and the asm-generic table, which agree on these) that a FUSE file
 * system answers with, and glibc's strerror text for them. A {@link FuseFileSystem} may answer any
 * positive errno, not only these: the server sends it to the kernel as it is.
 */
public final class LinuxErrno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ENODATA = 61;
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    public static final int ECONNABORTED = 103;
    public static final int ENOTCONN = 107;
    public static final int ESTALE = 116;

    /** glibc's strerror texts. */
    private static final Map<Integer, String> TEXTS = Map.ofEntries(
            Map.entry(EPERM, "Operation not permitted"),
            Map.entry(ENOENT, "No such file or directory"),
            Map.entry(EINTR, "Interrupted system call"),
            Map.entry(EIO, "Input/output error"),
            Map.entry(ENXIO, "No such device or address"),
            Map.entry(EBADF, "Bad file descriptor"),
            Map.entry(EAGAIN, "Resource temporarily unavailable"),
            Map.entry(ENOMEM, "Cannot allocate memory"),
            Map.entry(EACCES, "Permission denied"),
            Map.entry(EBUSY, "Device or resource busy"),
            Map.entry(EEXIST, "File exists"),
            Map.entry(ENODEV, "No such device"),
            Map.entry(ENOTDIR, "Not a directory"),
            Map.entry(EISDIR, "Is a directory"),
            Map.entry(EINVAL, "Invalid argument"),
            Map.entry(ENOTTY, "Inappropriate ioctl for device"),
            Map.entry(EFBIG, "File too large"),
            Map.entry(ENOSPC, "No space left on device"),
            Map.entry(EROFS, "Read-only file system"),
            Map.entry(ERANGE, "Numerical result out of range"),
            Map.entry(ENAMETOOLONG, "File name too long"),
            Map.entry(ENOSYS, "Function not implemented"),
            Map.entry(ENOTEMPTY, "Directory not empty"),
            Map.entry(ENODATA, "No data available"),
            Map.entry(EPROTO, "Protocol error"),
            Map.entry(EOVERFLOW, "Value too large for defined data type"),
            Map.entry(EOPNOTSUPP, "Operation not supported"),
            Map.entry(ECONNABORTED, "Software caused connection abort"),
            Map.entry(ENOTCONN, "Transport endpoint is not connected"),
            Map.entry(ESTALE, "Stale file handle"));

    private LinuxErrno() {
    }

    /** "EBUSY (Device or resource busy)", or "errno 123" for one this class does not name. */
    public static String describe(int errno) {
        String name = name(errno);
        return name == null ? "errno " + errno : name + " (" + text(errno) + ")";
    }

    /** glibc's strerror text, as a shell prints it; "Unknown error N" for others. */
    public static String text(int errno) {
        return TEXTS.getOrDefault(errno, "Unknown error " + errno);
    }

    /** The symbolic name ("EBUSY"), or null for an errno this class does not name. */
    public static String name(int errno) {
        for (Field f : LinuxErrno.class.getFields()) {
            try {
                if (f.getType() == int.class && f.getInt(null) == errno) {
                    return f.getName();
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        return null;
    }
}
