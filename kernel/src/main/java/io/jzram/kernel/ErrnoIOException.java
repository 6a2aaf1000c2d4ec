// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import java.io.IOException;
import java.util.Objects;

/**
 * A block I/O error: what a {@code bio} completes with ({@code BLK_STS_*} mapped back to an errno),
 * as a checked {@link IOException} for embedders of the block devices.
 */
public class ErrnoIOException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The error number (part of the serialized form). */
    private final Errno errno;

    /**
     * A failed I/O.
     *
     * @param errno the error the request completed with
     * @param message what failed (the errno's name is put in front)
     */
    public ErrnoIOException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /**
     * A failed I/O whose cause is a kernel function's error.
     *
     * @param cause the error, whose errno and message this takes
     */
    public ErrnoIOException(ErrnoException cause) {
        super(cause.getMessage(), cause);
        this.errno = cause.errno();
    }

    /**
     * The error number.
     *
     * @return the error the request completed with
     */
    public Errno errno() {
        return errno;
    }
}
