// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a store() receives: the bytes of exactly one write(2), at most PAGE_SIZE of them, followed by
 * a NUL ({@code const char *buf, size_t count}). {@link #text()} is all {@code count} bytes;
 * {@link #cString()} stops at the first NUL, as C string functions do (the kernel's kstrto*
 * parsers here take either and stop at the NUL themselves). Bytes map to chars one to one
 * (ISO-8859-1). Immutable.
 */
public final class StoreBuffer {

    private final byte[] buf;
    private final int count;

    StoreBuffer(byte[] nulTerminated, int count) {
        this.buf = nulTerminated;
        this.count = count;
    }

    /** A buffer holding {@code text}, for calling a store directly. */
    public static StoreBuffer of(String text) {
        byte[] b = Arrays.copyOf(text.getBytes(StandardCharsets.ISO_8859_1), text.length() + 1);
        return new StoreBuffer(b, text.length());
    }

    /** The {@code count} argument: bytes written. */
    public int count() {
        return count;
    }

    public byte byteAt(int i) {
        if (i < 0 || i > count) {
            throw new IndexOutOfBoundsException(i);
        }
        return buf[i];
    }

    /** A copy of the {@code count} bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(buf, count);
    }

    /** All {@code count} bytes as text, embedded NULs included. */
    public String text() {
        return new String(buf, 0, count, StandardCharsets.ISO_8859_1);
    }

    /** The text up to the first NUL. */
    public String cString() {
        int n = 0;
        while (n < count && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return text();
    }
}
