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

    private final Errno errno;

    public ErrnoIOException(Errno errno, String message) {
        super(errno.name() + ": " + message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public ErrnoIOException(ErrnoException cause) {
        super(cause.getMessage(), cause);
        this.errno = cause.errno();
    }

    public Errno errno() {
        return errno;
    }
}
