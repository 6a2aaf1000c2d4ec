// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

/**
 * Linux error numbers (include/uapi/asm-generic/errno-base.h and errno.h, x86-64 values) with the
 * texts glibc's {@code strerror} prints for them, as a shell shows them
 * ({@code echo: write error: Device or resource busy}).
 *
 * <p>EWOULDBLOCK is EAGAIN in Linux (the same number); {@link #EWOULDBLOCK} names it. ENOTSUP is
 * EOPNOTSUPP likewise. Kernel functions that "return -errno" throw {@link ErrnoException} here.
 */
public enum Errno {
    /** 1: "Operation not permitted". */
    EPERM(1, "Operation not permitted"),
    /** 2: "No such file or directory". */
    ENOENT(2, "No such file or directory"),
    /** 3: "No such process". */
    ESRCH(3, "No such process"),
    /** 4: "Interrupted system call". */
    EINTR(4, "Interrupted system call"),
    /** 5: "Input/output error". */
    EIO(5, "Input/output error"),
    /** 6: "No such device or address". */
    ENXIO(6, "No such device or address"),
    /** 7: "Argument list too long". */
    E2BIG(7, "Argument list too long"),
    /** 8: "Exec format error". */
    ENOEXEC(8, "Exec format error"),
    /** 9: "Bad file descriptor". */
    EBADF(9, "Bad file descriptor"),
    /** 11: "Resource temporarily unavailable". */
    EAGAIN(11, "Resource temporarily unavailable"),
    /** 12: "Cannot allocate memory". */
    ENOMEM(12, "Cannot allocate memory"),
    /** 13: "Permission denied". */
    EACCES(13, "Permission denied"),
    /** 14: "Bad address". */
    EFAULT(14, "Bad address"),
    /** 15: "Block device required". */
    ENOTBLK(15, "Block device required"),
    /** 16: "Device or resource busy". */
    EBUSY(16, "Device or resource busy"),
    /** 17: "File exists". */
    EEXIST(17, "File exists"),
    /** 18: "Invalid cross-device link". */
    EXDEV(18, "Invalid cross-device link"),
    /** 19: "No such device". */
    ENODEV(19, "No such device"),
    /** 20: "Not a directory". */
    ENOTDIR(20, "Not a directory"),
    /** 21: "Is a directory". */
    EISDIR(21, "Is a directory"),
    /** 22: "Invalid argument". */
    EINVAL(22, "Invalid argument"),
    /** 23: "Too many open files in system". */
    ENFILE(23, "Too many open files in system"),
    /** 24: "Too many open files". */
    EMFILE(24, "Too many open files"),
    /** 25: "Inappropriate ioctl for device". */
    ENOTTY(25, "Inappropriate ioctl for device"),
    /** 27: "File too large". */
    EFBIG(27, "File too large"),
    /** 28: "No space left on device". */
    ENOSPC(28, "No space left on device"),
    /** 29: "Illegal seek". */
    ESPIPE(29, "Illegal seek"),
    /** 30: "Read-only file system". */
    EROFS(30, "Read-only file system"),
    /** 32: "Broken pipe". */
    EPIPE(32, "Broken pipe"),
    /** 33: "Numerical argument out of domain". */
    EDOM(33, "Numerical argument out of domain"),
    /** 34: "Numerical result out of range". */
    ERANGE(34, "Numerical result out of range"),
    /** 35: "Resource deadlock avoided". */
    EDEADLK(35, "Resource deadlock avoided"),
    /** 36: "File name too long". */
    ENAMETOOLONG(36, "File name too long"),
    /** 38: "Function not implemented". */
    ENOSYS(38, "Function not implemented"),
    /** 39: "Directory not empty". */
    ENOTEMPTY(39, "Directory not empty"),
    /** 40: "Too many levels of symbolic links". */
    ELOOP(40, "Too many levels of symbolic links"),
    /** 61: "No data available". */
    ENODATA(61, "No data available"),
    /** 62: "Timer expired". */
    ETIME(62, "Timer expired"),
    /** 71: "Protocol error". */
    EPROTO(71, "Protocol error"),
    /** 74: "Bad message". */
    EBADMSG(74, "Bad message"),
    /** 75: "Value too large for defined data type". */
    EOVERFLOW(75, "Value too large for defined data type"),
    /** 84: "Invalid or incomplete multibyte or wide character". */
    EILSEQ(84, "Invalid or incomplete multibyte or wide character"),
    /** 95: "Operation not supported". */
    EOPNOTSUPP(95, "Operation not supported"),
    /** 98: "Address already in use". */
    EADDRINUSE(98, "Address already in use"),
    /** 103: "Software caused connection abort". */
    ECONNABORTED(103, "Software caused connection abort"),
    /** 104: "Connection reset by peer". */
    ECONNRESET(104, "Connection reset by peer"),
    /** 107: "Transport endpoint is not connected". */
    ENOTCONN(107, "Transport endpoint is not connected"),
    /** 108: "Cannot send after transport endpoint shutdown". */
    ESHUTDOWN(108, "Cannot send after transport endpoint shutdown"),
    /** 110: "Connection timed out". */
    ETIMEDOUT(110, "Connection timed out"),
    /** 111: "Connection refused". */
    ECONNREFUSED(111, "Connection refused"),
    /** 114: "Operation already in progress". */
    EALREADY(114, "Operation already in progress"),
    /** 115: "Operation now in progress". */
    EINPROGRESS(115, "Operation now in progress"),
    /** 116: "Stale file handle". */
    ESTALE(116, "Stale file handle"),
    /** 125: "Operation canceled". */
    ECANCELED(125, "Operation canceled");

    /** The module loader answers a busy module with this one: the same value as {@link #EAGAIN}. */
    public static final Errno EWOULDBLOCK = EAGAIN;
    /** Same value as {@link #EOPNOTSUPP}. */
    public static final Errno ENOTSUP = EOPNOTSUPP;

    private final int number;
    private final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /**
     * The positive Linux number.
     *
     * @return the number, e.g. 16 for {@code EBUSY}
     */
    public int number() {
        return number;
    }

    /**
     * The kernel's return value for this error.
     *
     * @return {@code -number()}
     */
    public int negative() {
        return -number;
    }

    /**
     * The text strerror(3) gives.
     *
     * @return e.g. "Device or resource busy"
     */
    public String text() {
        return text;
    }

    /**
     * The errno for a Linux number, if this enum lists it.
     *
     * @param number the number, positive or negative (a kernel return value)
     * @return its errno, or empty
     */
    public static java.util.Optional<Errno> find(int number) {
        int n = Math.abs(number);
        for (Errno e : values()) {
            if (e.number == n) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A number as a person reads it.
     *
     * @param number the number, positive or negative
     * @return e.g. "EBUSY (Device or resource busy)", or "errno 123" for a number not listed here
     */
    public static String describe(int number) {
        return find(number).map(e -> e.name() + " (" + e.text + ")").orElse("errno " + number);
    }

    /**
     * The errno for a Linux number.
     *
     * @param number the number, positive or negative (a kernel return value)
     * @return its errno
     * @throws IllegalArgumentException for a number this enum does not list
     */
    public static Errno of(int number) {
        return find(number).orElseThrow(() -> new IllegalArgumentException("unknown errno " + number));
    }
}
