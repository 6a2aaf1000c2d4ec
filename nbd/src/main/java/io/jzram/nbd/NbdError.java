// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;

/**
 * The error values an NBD reply may carry (proto.md, "Error values"), and the mapping from the
 * errnos that the block layer completes a request with. The protocol restricts the values to
 * these eight; everything else is reported as {@link #EIO}, the generic "the I/O failed".
 */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private final int code;

    NbdError(int code) {
        this.code = code;
    }

    /** The value sent on the wire. */
    public int code() {
        return code;
    }

    /** The error for a wire value; unknown values are treated as EINVAL, as the spec tells clients to. */
    public static NbdError ofCode(int code) {
        for (NbdError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return EINVAL;
    }

    /**
     * Maps a kernel errno: EPERM/EACCES/EROFS to EPERM, ENOMEM, EINVAL/ERANGE to EINVAL,
     * ENOSPC/EFBIG to ENOSPC (as the spec asks for EDQUOT and EFBIG), EOVERFLOW,
     * EOPNOTSUPP/ENOSYS to ENOTSUP, ESHUTDOWN; the rest to EIO.
     */
    public static NbdError of(Errno errno) {
        switch (errno) {
            case EPERM:
            case EACCES:
            case EROFS:
                return EPERM;
            case ENOMEM:
                return ENOMEM;
            case EINVAL:
            case ERANGE:
                return EINVAL;
            case ENOSPC:
            case EFBIG:
                return ENOSPC;
            case EOVERFLOW:
                return EOVERFLOW;
            case EOPNOTSUPP:
            case ENOSYS:
                return ENOTSUP;
            case ESHUTDOWN:
                return ESHUTDOWN;
            default:
                return EIO;
        }
    }

    /** Maps a failure of a device call: errno-carrying exceptions by their errno, anything else to EIO. */
    public static NbdError of(Throwable failure) {
        if (failure instanceof ErrnoIOException) {
            return of(((ErrnoIOException) failure).errno());
        }
        if (failure instanceof ErrnoException) {
            return of(((ErrnoException) failure).errno());
        }
        if (failure instanceof OutOfMemoryError) {
            return ENOMEM;
        }
        return EIO;
    }
}
