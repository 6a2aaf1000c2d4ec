// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;

/** Range checks and copies shared by the contexts; absolute indexing only, no allocation. */
final class Buffers {
    private Buffers() {
    }

    static void checkRange(ByteBuffer b, int offset, int length, String what) {
        if (offset < 0 || length < 0 || offset > b.limit() - length) {
            throw new IndexOutOfBoundsException(what + " range [" + offset + ", " + offset + "+" + length
                    + ") outside a buffer of limit " + b.limit());
        }
    }

    /** Whether a codec can address the buffer directly (a native address or a backing array). */
    static boolean addressable(ByteBuffer b) {
        return b.isDirect() || b.hasArray();
    }

    static ErrnoException compressFailed(String algorithm, RuntimeException cause) {
        return new ErrnoException(Errno.EINVAL, algorithm + " compression failed: " + cause.getMessage(), cause);
    }

    static ErrnoException decompressFailed(String algorithm, String detail, Throwable cause) {
        return new ErrnoException(Errno.EINVAL, algorithm + " decompression failed: " + detail, cause);
    }
}
