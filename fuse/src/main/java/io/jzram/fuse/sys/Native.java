// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.nio.Buffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The process-wide libc binding: loaded once, on first use, and immutable from then on (the only
 * static state of the module, and it holds no mutable data). jnr-ffi generates the stubs of
 * {@link LibC}; errno is saved per thread after each call, so any thread may call anything here.
 */
public final class Native {
    private Native() {
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    /** The libc binding. Throws {@link UnsatisfiedLinkError} where libc cannot be loaded. */
    public static LibC libc() {
        return Holder.LIBC;
    }

    /** errno of this thread's last libc call through {@link #libc()}. */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** The native address of a direct buffer's first byte (its position is not added). */
    public static long address(Buffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return jnr.ffi.Pointer.wrap(Holder.RUNTIME, (java.nio.ByteBuffer) direct).address();
    }

    /** Throws a {@link NativeException} with this thread's errno when {@code rc < 0}; else returns rc. */
    public static int check(int rc, String call, String what) throws NativeException {
        if (rc < 0) {
            throw new NativeException(call, what, errno());
        }
        return rc;
    }

    /** Closes a descriptor, ignoring errors (for cleanup paths). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }
}
