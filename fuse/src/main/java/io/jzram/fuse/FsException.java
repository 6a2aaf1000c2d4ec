// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.kernel.Errno;

/**
 * What a {@link FuseFileSystem} throws to answer a request with an errno: the server puts
 * {@code -errno} into the reply header and the kernel returns it to the calling process as it is
 * (so {@code echo 1 > f} in bash prints "write error: Device or resource busy" for EBUSY).
 * Any other exception out of a file system is answered with EIO. The numbers are the kernel
 * runtime's {@link Errno}s; any positive errno may be answered, named there or not.
 */
public final class FsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public FsException(Errno errno) {
        this(errno.number());
    }

    public FsException(Errno errno, String message) {
        this(errno.number(), message);
    }

    public FsException(int errno) {
        this(errno, Errno.describe(errno));
    }

    public FsException(int errno, String message) {
        super(message);
        if (errno <= 0 || errno > 4095) {
            throw new IllegalArgumentException("errno out of range: " + errno);
        }
        this.errno = errno;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }
}
