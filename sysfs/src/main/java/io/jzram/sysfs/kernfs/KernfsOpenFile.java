// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.locking.Mutex;
import io.jzram.sysfs.kernfs.KernfsFailureInjection.WaitPoint;

/**
 * struct kernfs_open_file and the file operations of fs/kernfs/file.c for one open of an attribute
 * file.
 *
 * <ul>
 *   <li><b>open</b> (kernfs_fop_open): takes an active reference for the duration of the open
 *       (ENODEV when the node is going), checks the mode and the ops (EACCES; with
 *       KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK for everyone, root included), calls {@code ->open}.
 *   <li><b>read</b> (seq_read_iter + kernfs_seq_start/show/stop): at index 0 takes the open file's
 *       mutex and an active reference, calls {@code ->show} once into a fresh {@link PageBuffer}
 *       and keeps the result; later reads copy from it; a read after the content was consumed
 *       still takes mutex and reference (ENODEV once the node is gone) and returns 0 (EOF).
 *       {@link #seek} back to 0 makes the next read call show again.
 *   <li><b>write</b> (kernfs_fop_write_iter): each call is exactly one {@code ->write} of exactly
 *       its bytes, cut to PAGE_SIZE, NUL-terminated; in order: failure-injection point
 *       {@code at_start}, copy, point {@code before_mutex}, the open file's mutex, point
 *       {@code after_mutex}, active reference (ENODEV), point {@code after_active}, ->write, put,
 *       unlock. A zero-length write still goes through (sysfs answers 0 without calling store).
 * </ul>
 *
 * <p>Locking: {@code of->mutex} (a lockdep-visible mutex of class {@code &of->mutex}) nests outside
 * the active reference and serialises the ops of this open file; the seq state is guarded by a
 * monitor of its own (seq_file's m->lock). Waits are interruptible (EINTR).
 */
public final class KernfsOpenFile implements AutoCloseable {

    private final KernfsRoot root;
    private final KernfsNode kn;
    private final boolean readable;
    private final boolean writable;
    private final Mutex mutex;
    private final Object seqLock = new Object();
    private byte[] seqBuf;
    private int seqFrom;
    private int seqCount;
    private long seqIndex;
    private long skipOnNextShow;
    private long pos;
    private volatile boolean closed;
    private volatile Object priv;

    private KernfsOpenFile(KernfsRoot root, KernfsNode kn, boolean readable, boolean writable) {
        this.root = root;
        this.kn = kn;
        this.readable = readable;
        this.writable = writable;
        this.mutex = new Mutex(root.kernel(), root.ofMutexClass());
    }

    /** kernfs_fop_open() on a file node. */
    public static KernfsOpenFile open(KernfsNode kn, boolean read, boolean write) {
        KernfsRoot root = kn.root();
        if (kn.isDir()) {
            throw new ErrnoException(Errno.EISDIR, kn.path() + " is a directory");
        }
        if (!kn.isFile()) {
            throw new ErrnoException(Errno.EINVAL, kn.path() + " is not a file");
        }
        KernfsActiveRef ref = root.getActive(kn);
        if (ref == null) {
            throw new ErrnoException(Errno.ENODEV, kn.path() + " is being removed");
        }
        try {
            KernfsOps ops = kn.ops();
            boolean hasRead = ops.hasRead();
            boolean hasWrite = ops.hasWrite();
            if (root.extraOpenPermCheck()) {
                if (write && ((kn.mode() & 0222) == 0 || !hasWrite)) {
                    throw new ErrnoException(Errno.EACCES, kn.path() + " is not writable (mode " + String.format("%04o", kn.mode()) + ")");
                }
                if (read && ((kn.mode() & 0444) == 0 || !hasRead)) {
                    throw new ErrnoException(Errno.EACCES, kn.path() + " is not readable (mode " + String.format("%04o", kn.mode()) + ")");
                }
            } else if ((write && !hasWrite) || (read && !hasRead)) {
                throw new ErrnoException(Errno.EACCES, kn.path() + " does not support this access");
            }
            KernfsOpenFile of = new KernfsOpenFile(root, kn, read, write);
            ops.open(of);
            return of;
        } finally {
            ref.close();
        }
    }

    public KernfsNode node() {
        return kn;
    }

    /** Private data the ops may hang on the open file (of->priv). */
    public Object priv() {
        return priv;
    }

    public void setPriv(Object priv) {
        this.priv = priv;
    }

    public boolean isReadable() {
        return readable;
    }

    public boolean isWritable() {
        return writable;
    }

    /** The file position (f_pos). */
    public long position() {
        synchronized (seqLock) {
            return pos;
        }
    }

    /**
     * lseek(fd, offset, SEEK_SET) as seq_lseek does it: a new position discards the buffered show,
     * and the next read calls show again and skips {@code offset} bytes of its output.
     */
    public void seek(long offset) {
        if (offset < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative seek offset");
        }
        synchronized (seqLock) {
            if (offset == pos && seqCount >= 0 && offset != 0) {
                return;
            }
            seqBuf = null;
            seqCount = 0;
            seqFrom = 0;
            seqIndex = 0;
            skipOnNextShow = offset;
            pos = offset;
        }
    }

    /** read(2): up to {@code len} bytes into {@code dst}; 0 at end of file. */
    public int read(byte[] dst, int off, int len) {
        ensureOpen();
        if (!readable) {
            throw new ErrnoException(Errno.EBADF, "file not open for reading");
        }
        if (len == 0) {
            return 0;
        }
        synchronized (seqLock) {
            if (seqCount > 0) {
                return copyOut(dst, off, len);
            }
            mutex.lock();
            try {
                KernfsActiveRef ref = root.getActive(kn);
                if (ref == null) {
                    throw new ErrnoException(Errno.ENODEV, kn.path() + " was removed");
                }
                try {
                    if (seqIndex > 0) {
                        return 0;
                    }
                    PageBuffer page = new PageBuffer(root.kernel().log());
                    int count = kn.ops().show(this, page);
                    if (count < 0 || count > PageBuffer.PAGE_SIZE) {
                        throw new IllegalStateException("show of " + kn.path() + " committed " + count + " bytes");
                    }
                    seqBuf = page.bytes(count);
                    seqFrom = 0;
                    seqCount = count;
                    seqIndex = 1;
                } finally {
                    ref.close();
                }
            } finally {
                mutex.unlock();
            }
            if (skipOnNextShow > 0) {
                int skip = (int) Math.min(skipOnNextShow, seqCount);
                seqFrom += skip;
                seqCount -= skip;
                skipOnNextShow = 0;
            }
            return seqCount > 0 ? copyOut(dst, off, len) : 0;
        }
    }

    private int copyOut(byte[] dst, int off, int len) {
        int n = Math.min(len, seqCount);
        System.arraycopy(seqBuf, seqFrom, dst, off, n);
        seqFrom += n;
        seqCount -= n;
        pos += n;
        return n;
    }

    /** write(2): exactly one ->write with these bytes (at most PAGE_SIZE of them). */
    public int write(byte[] src, int off, int len) {
        ensureOpen();
        if (!writable) {
            throw new ErrnoException(Errno.EBADF, "file not open for writing");
        }
        KernfsFailureInjection fi = kn.ops().isDebugfs() ? null : root.failureInjection();
        mayWait(fi, WaitPoint.AT_START);
        int n = Math.min(len, PageBuffer.PAGE_SIZE);
        byte[] buf = new byte[n + 1];
        System.arraycopy(src, off, buf, 0, n);
        buf[n] = 0;
        mayWait(fi, WaitPoint.BEFORE_MUTEX);
        int written;
        mutex.lock();
        try {
            mayWait(fi, WaitPoint.AFTER_MUTEX);
            KernfsActiveRef ref = root.getActive(kn);
            if (ref == null) {
                throw new ErrnoException(Errno.ENODEV, kn.path() + " is being removed");
            }
            try {
                mayWait(fi, WaitPoint.AFTER_ACTIVE);
                long at;
                synchronized (seqLock) {
                    at = pos;
                }
                written = kn.ops().write(this, buf, n, at);
            } finally {
                ref.close();
            }
        } finally {
            mutex.unlock();
        }
        if (written > 0) {
            synchronized (seqLock) {
                pos += written;
            }
        }
        return written;
    }

    private static void mayWait(KernfsFailureInjection fi, WaitPoint point) {
        if (fi != null) {
            fi.mayWait(point);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ErrnoException(Errno.EBADF, "file already closed");
        }
    }

    /** close(2): ->release once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        kn.ops().release(this);
    }

    @Override
    public String toString() {
        return "open " + kn.path() + (readable ? " r" : "") + (writable ? " w" : "");
    }
}
