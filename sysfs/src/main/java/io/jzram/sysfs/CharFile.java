// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;

/**
 * An open character node in /dev (fs/char_dev.c chrdev_open, misc_open): opening holds the module
 * of a misc device's file operations ({@code fops_get}: ENODEV while it is going away) and calls
 * {@code ->open}; {@link #close()} calls {@code ->release}, then puts the module. Reads and writes
 * are the device's at the file position. Threading: the position is guarded by this object's
 * monitor, so threads that share the file see each read/write/seek as one step.
 */
final class CharFile implements MachineFile {
    private final String path;
    private final CharDevice ops;
    private final ModuleRef owner;
    private long pos;

    private CharFile(String path, CharDevice ops, ModuleRef owner) {
        this.path = path;
        this.ops = ops;
        this.owner = owner;
    }

    /** chrdev_open of the node: ENODEV when it has no operations or its module is going away. */
    static CharFile open(String path, DevNode n) {
        CharDevice ops = n.charDevice();
        if (ops == null) {
            throw new ErrnoException(Errno.ENODEV, path + ": the device has no file operations");
        }
        MiscDevice md = n.miscDevice();
        ModuleRef owner = ModuleRef.get(md == null ? null : md.owner(), Errno.ENODEV, path);
        try {
            ops.open();
        } catch (RuntimeException e) {
            owner.put();
            throw e;
        }
        return new CharFile(path, ops, owner);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) {
        int n = ops.read(pos, dst, off, len);
        pos += Math.max(0, n);
        return n;
    }

    @Override
    public synchronized int write(byte[] src, int off, int len) {
        int n = ops.write(pos, src, off, len);
        pos += Math.max(0, n);
        return n;
    }

    @Override
    public synchronized long position() {
        return pos;
    }

    @Override
    public synchronized void seek(long p) {
        pos = p;
    }

    @Override
    public void close() {
        owner.release(ops::release);
    }
}
