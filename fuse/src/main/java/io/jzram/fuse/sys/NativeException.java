// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.io.IOException;

/** A libc call failed: the function, what it was called on, and errno with its strerror text. */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public NativeException(String call, String what, int errno) {
        super(call + "(" + what + "): " + io.jzram.kernel.Errno.describe(errno));
        this.errno = errno;
    }

    /** The errno the call left. */
    public int errno() {
        return errno;
    }
}
