// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.kernel.Errno;

/**
 * How the control plane answers a kernel error over HTTP: a status chosen by what the error means
 * to a client, the errno itself in {@code X-Errno} (name) and {@code X-Errno-Number}, which call
 * failed in {@code X-Errno-Phase} ({@code open}, {@code read}, {@code write}, {@code modprobe},
 * {@code rmmod}, ...), and a body of two lines: {@code EBUSY (16): Device or resource busy} and the
 * kernel's sentence about it.
 *
 * <table>
 *   <caption>errno to HTTP status</caption>
 *   <tr><th>status</th><th>errnos</th><th>meaning</th></tr>
 *   <tr><td>400 Bad Request</td><td>EINVAL ERANGE E2BIG EDOM EILSEQ EOVERFLOW EBADMSG EISDIR ENOTBLK
 *       ENAMETOOLONG EFAULT EBADF</td><td>the value or the request is wrong</td></tr>
 *   <tr><td>403 Forbidden</td><td>EACCES EPERM EROFS</td><td>mode bits: a read-only or write-only file</td></tr>
 *   <tr><td>404 Not Found</td><td>ENOENT ENOTDIR ENXIO ESRCH</td><td>no such file, device or module</td></tr>
 *   <tr><td>409 Conflict</td><td>EBUSY EEXIST EAGAIN/EWOULDBLOCK EALREADY EINPROGRESS ENOTEMPTY EDEADLK</td>
 *       <td>the state forbids it now: initialised, open, in use, already there</td></tr>
 *   <tr><td>410 Gone</td><td>ENODEV ESHUTDOWN</td><td>the device or its driver is going away</td></tr>
 *   <tr><td>413 Content Too Large</td><td>EFBIG</td><td></td></tr>
 *   <tr><td>501 Not Implemented</td><td>ENOSYS EOPNOTSUPP ENOTTY</td><td></td></tr>
 *   <tr><td>503 Service Unavailable</td><td>EINTR ECANCELED</td><td>interrupted; try again</td></tr>
 *   <tr><td>504 Gateway Timeout</td><td>ETIMEDOUT ETIME</td><td>a wait in the kernel timed out</td></tr>
 *   <tr><td>507 Insufficient Storage</td><td>ENOMEM ENOSPC ENFILE EMFILE</td><td>mem_limit, pool or device full</td></tr>
 *   <tr><td>500 Internal Server Error</td><td>EIO and the rest</td><td></td></tr>
 * </table>
 */
public final class ErrnoStatus {

    private ErrnoStatus() {
    }

    /** The HTTP status for an errno. */
    public static int of(Errno e) {
        switch (e) {
            case EINVAL:
            case ERANGE:
            case E2BIG:
            case EDOM:
            case EILSEQ:
            case EOVERFLOW:
            case EBADMSG:
            case EISDIR:
            case ENOTBLK:
            case ENAMETOOLONG:
            case EFAULT:
            case EBADF:
                return 400;
            case EACCES:
            case EPERM:
            case EROFS:
                return 403;
            case ENOENT:
            case ENOTDIR:
            case ENXIO:
            case ESRCH:
                return 404;
            case EBUSY:
            case EEXIST:
            case EAGAIN:
            case EALREADY:
            case EINPROGRESS:
            case ENOTEMPTY:
            case EDEADLK:
                return 409;
            case ENODEV:
            case ESHUTDOWN:
                return 410;
            case EFBIG:
                return 413;
            case ENOSYS:
            case EOPNOTSUPP:
            case ENOTTY:
                return 501;
            case EINTR:
            case ECANCELED:
                return 503;
            case ETIMEDOUT:
            case ETIME:
                return 504;
            case ENOMEM:
            case ENOSPC:
            case ENFILE:
            case EMFILE:
                return 507;
            default:
                return 500;
        }
    }

    /** The body's first line: {@code EBUSY (16): Device or resource busy}. */
    public static String headline(Errno e) {
        return e.name() + " (" + e.number() + "): " + e.text();
    }
}
