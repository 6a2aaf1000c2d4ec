// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.sysfs.kernfs.KernfsOpenFile;

/**
 * An open sysfs or debugfs attribute: the file of fs/kernfs/file.c, every call passed to its
 * {@link KernfsOpenFile} (one read is one show, one write is one store). Threading: as the kernfs
 * open file's, which serialises its operations on its own {@code of->mutex}.
 */
final class AttributeFile implements MachineFile {
    private final String path;
    private final KernfsOpenFile of;

    AttributeFile(String path, KernfsOpenFile of) {
        this.path = path;
        this.of = of;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
        return of.read(dst, off, len);
    }

    @Override
    public int write(byte[] src, int off, int len) {
        return of.write(src, off, len);
    }

    @Override
    public long position() {
        return of.position();
    }

    @Override
    public void seek(long pos) {
        of.seek(pos);
    }

    @Override
    public void close() {
        of.close();
    }
}
