// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import java.util.Objects;

/**
 * A kernel function's {@code -errno} return, as an unchecked exception. The message is a sentence
 * that says what was refused; {@link #errno()} is what a system call would return to user space.
 */
public class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public ErrnoException(Errno errno) {
        this(errno, errno.text());
    }

    public ErrnoException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public ErrnoException(Errno errno, String message, Throwable cause) {
        super(message, cause, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        String m = super.getMessage();
        return m == null || m.equals(errno.text()) ? errno.name() + ": " + errno.text() : errno.name() + ": " + m;
    }
}
