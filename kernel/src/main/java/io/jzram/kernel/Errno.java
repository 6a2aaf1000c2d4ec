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
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    ENOTBLK(15, "Block device required"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EPIPE(32, "Broken pipe"),
    EDOM(33, "Numerical argument out of domain"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENODATA(61, "No data available"),
    ETIME(62, "Timer expired"),
    EPROTO(71, "Protocol error"),
    EBADMSG(74, "Bad message"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EILSEQ(84, "Invalid or incomplete multibyte or wide character"),
    EOPNOTSUPP(95, "Operation not supported"),
    EADDRINUSE(98, "Address already in use"),
    ECONNABORTED(103, "Software caused connection abort"),
    ECONNRESET(104, "Connection reset by peer"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ESHUTDOWN(108, "Cannot send after transport endpoint shutdown"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused"),
    EALREADY(114, "Operation already in progress"),
    EINPROGRESS(115, "Operation now in progress"),
    ESTALE(116, "Stale file handle"),
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

    /** The positive Linux number ({@code EBUSY} = 16). */
    public int number() {
        return number;
    }

    /** The kernel's return value for this error: {@code -number()}. */
    public int negative() {
        return -number;
    }

    /** strerror(3) text, e.g. "Device or resource busy". */
    public String text() {
        return text;
    }

    /** The errno for a Linux number (either sign), or empty for numbers not listed here. */
    public static java.util.Optional<Errno> find(int number) {
        int n = Math.abs(number);
        for (Errno e : values()) {
            if (e.number == n) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** "EBUSY (Device or resource busy)", or "errno 123" for a number not listed here. */
    public static String describe(int number) {
        return find(number).map(e -> e.name() + " (" + e.text + ")").orElse("errno " + number);
    }

    /** The errno for a Linux number (either sign); IllegalArgumentException for numbers not listed here. */
    public static Errno of(int number) {
        int n = Math.abs(number);
        for (Errno e : values()) {
            if (e.number == n) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown errno " + number);
    }
}
