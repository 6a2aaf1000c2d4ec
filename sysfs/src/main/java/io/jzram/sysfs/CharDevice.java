// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

/**
 * The file operations of a character device node in /dev (the part of struct file_operations a
 * shell needs): open, read and write at a position, release. Errors are
 * {@link io.jzram.kernel.ErrnoException}s. Implementations must be thread-safe.
 */
public interface CharDevice {

    /** ->open; throw to refuse. */
    default void open() {
    }

    /** ->read at {@code pos}: bytes read, 0 at end of file. */
    int read(long pos, byte[] dst, int off, int len);

    /** ->write at {@code pos}: bytes written. */
    int write(long pos, byte[] src, int off, int len);

    /** ->release. */
    default void release() {
    }

    /** /dev/zero (drivers/char/mem.c): reads zeros forever, swallows writes. */
    static CharDevice zero() {
        return new CharDevice() {
            @Override
            public int read(long pos, byte[] dst, int off, int len) {
                java.util.Arrays.fill(dst, off, off + len, (byte) 0);
                return len;
            }

            @Override
            public int write(long pos, byte[] src, int off, int len) {
                return len;
            }
        };
    }

    /** /dev/null: end of file at once, swallows writes. */
    static CharDevice nul() {
        return new CharDevice() {
            @Override
            public int read(long pos, byte[] dst, int off, int len) {
                return 0;
            }

            @Override
            public int write(long pos, byte[] src, int off, int len) {
                return len;
            }
        };
    }
}
