// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;

/**
 * An open directory: read(2) on it is EISDIR (generic_read_dir), write(2) EBADF (it is never open
 * for writing); list it with {@link Machine#ls}. Holds nothing, so it is immutable and thread-safe.
 */
final class DirectoryFile implements MachineFile {
    private final String path;

    DirectoryFile(String path) {
        this.path = path;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
        throw new ErrnoException(Errno.EISDIR, path + " is a directory");
    }

    @Override
    public int write(byte[] src, int off, int len) {
        throw new ErrnoException(Errno.EBADF, path + " is not open for writing");
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public void seek(long pos) {
    }

    @Override
    public void close() {
    }
}
