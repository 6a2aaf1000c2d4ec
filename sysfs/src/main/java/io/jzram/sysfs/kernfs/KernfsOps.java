// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

/**
 * struct kernfs_ops, reduced to what sysfs and debugfs use: {@code seq_show} (here {@link #show},
 * which fills the page and returns the number of bytes to commit), {@code write}, and the
 * {@code open}/{@code release} hooks.
 *
 * <p>Errors are {@link io.jzram.kernel.ErrnoException}s ("return -errno"). Both calls run with the
 * open file's mutex and an active reference on the node held (see {@link KernfsOpenFile}).
 */
public interface KernfsOps {

    /** Whether the file has a read side (->seq_show or ->read). Opening for read needs it. */
    boolean hasRead();

    /** Whether the file has a write side (->write). Opening for write needs it. */
    boolean hasWrite();

    /** ->seq_show: fill {@code page}, return how many bytes of it are the file's content. */
    default int show(KernfsOpenFile of, PageBuffer page) {
        throw new UnsupportedOperationException("no show");
    }

    /**
     * ->write: {@code buf} holds {@code len} bytes and a terminating NUL at {@code buf[len]} (as
     * kernfs_fop_write_iter guarantees); returns the bytes consumed, which the write(2) returns.
     */
    default int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
        throw new UnsupportedOperationException("no write");
    }

    /**
     * Whether this is a debugfs file. debugfs is a file system of its own in Linux, not kernfs, so
     * kernfs's failure-injection wait points do not apply to its writes (the selftest writes the
     * knobs while a point is armed).
     */
    default boolean isDebugfs() {
        return false;
    }

    /** ->open, called with an active reference held; throw to fail the open. */
    default void open(KernfsOpenFile of) {
    }

    /** ->release, when the last reference to the open file goes. */
    default void release(KernfsOpenFile of) {
    }
}
