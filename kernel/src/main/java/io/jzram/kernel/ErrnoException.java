// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import java.util.Objects;

/**
 * A kernel function's {@code -errno} return, as an unchecked exception. The message is a sentence
 * that says what was refused; {@link #errno()} is what a system call would return to user space.
 */
public class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The error number (part of the serialized form). */
    private final Errno errno;

    /**
     * An error whose message is the errno's own text.
     *
     * @param errno what a system call would return
     */
    public ErrnoException(Errno errno) {
        this(errno, errno.text());
    }

    /**
     * An error with a sentence saying what was refused.
     *
     * @param errno what a system call would return
     * @param message what was refused, and why
     */
    public ErrnoException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /**
     * An error caused by another exception.
     *
     * @param errno what a system call would return
     * @param message what was refused, and why
     * @param cause the underlying failure
     */
    public ErrnoException(Errno errno, String message, Throwable cause) {
        super(message, cause, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /**
     * The error number.
     *
     * @return what a system call would return to user space (negated)
     */
    public Errno errno() {
        return errno;
    }

    /**
     * The message with the errno's name in front.
     *
     * @return e.g. {@code "EBUSY: zram0 is open"}
     */
    @Override
    public String getMessage() {
        String m = super.getMessage();
        return m == null || m.equals(errno.text()) ? errno.name() + ": " + errno.text() : errno.name() + ": " + m;
    }
}
