// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A flat directory of fixed-size regular files, each backed by a {@link BlockBackend}: the files a
 * loop device is attached to so that a real block device (mkfs, mount, swapon) reads and writes
 * the backend. Files are opened with direct I/O (no second copy in the page cache; each loop
 * request arrives as one READ or WRITE of up to max_write bytes). Writes past the end fail with
 * ENOSPC, as on a block device; reads past it return end of file. fallocate's PUNCH_HOLE,
 * ZERO_RANGE and WRITE_ZEROES (the loop driver's discard and write-zeroes) become
 * {@link BlockBackend#discard}; a truncate to another size is refused (EPERM): the size is the
 * backend's.
 *
 * <p>Threading: files may be added and removed while mounted ({@link #add}, {@link #remove});
 * requests are served concurrently, the backends synchronise.
 */
public final class BlockFileSystem implements FuseFileSystem {
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;
    private static final int FALLOC_FL_WRITE_ZEROES = 0x80;

    private final Map<String, BlockBackend> files = new ConcurrentSkipListMap<>();
    private final long time = System.currentTimeMillis() * 1_000_000L;

    /** Adds (or replaces) file {@code name} in the root directory. */
    public BlockFileSystem add(String name, BlockBackend backend) {
        new DirEntry(name, FileAttr.S_IFREG); // checks the name
        files.put(name, backend);
        return this;
    }

    /** Removes file {@code name}; open handles keep working on the backend. */
    public BlockFileSystem remove(String name) {
        files.remove(name);
        return this;
    }

    private BlockBackend backend(String path) {
        BlockBackend b = path.length() > 1 ? files.get(path.substring(1)) : null;
        if (b == null) {
            throw new FsException(Errno.ENOENT);
        }
        return b;
    }

    @Override
    public FileAttr getattr(Caller caller, String path) {
        if (path.equals("/")) {
            return FileAttr.directory(0755, time);
        }
        return FileAttr.file(0600, backend(path).size(), time);
    }

    @Override
    public List<DirEntry> readdir(Caller caller, String path) {
        if (!path.equals("/")) {
            throw new FsException(files.containsKey(path.substring(1)) ? Errno.ENOTDIR : Errno.ENOENT);
        }
        List<DirEntry> out = new ArrayList<>();
        files.keySet().forEach(n -> out.add(new DirEntry(n, FileAttr.S_IFREG)));
        return out;
    }

    @Override
    public OpenFile open(Caller caller, String path, int flags) {
        if (path.equals("/")) {
            throw new FsException(Errno.EISDIR);
        }
        return new Handle(backend(path));
    }

    @Override
    public void truncate(Caller caller, String path, long size, OpenFile file) {
        if (size != backend(path).size()) {
            throw new FsException(Errno.EPERM, "the size of " + path + " is its device's");
        }
    }

    /** An open block file: reads and writes go to the backend, clipped to its size. */
    private static final class Handle implements OpenFile {
        private final BlockBackend backend;

        Handle(BlockBackend backend) {
            this.backend = backend;
        }

        @Override
        public int read(Caller caller, long offset, ByteBuffer dst) {
            long size = backend.size();
            if (offset >= size) {
                return 0;
            }
            int n = (int) Math.min(dst.remaining(), size - offset);
            dst.limit(dst.position() + n);
            backend.read(offset, dst);
            return n;
        }

        @Override
        public int write(Caller caller, long offset, ByteBuffer src) {
            long size = backend.size();
            if (offset >= size) {
                throw new FsException(Errno.ENOSPC);
            }
            int n = (int) Math.min(src.remaining(), size - offset);
            src.limit(src.position() + n);
            backend.write(offset, src);
            return n;
        }

        @Override
        public void fsync(Caller caller, boolean dataOnly) {
            backend.flush();
        }

        @Override
        public void fallocate(Caller caller, int mode, long offset, long length) {
            long size = backend.size();
            if (offset < 0 || length <= 0) {
                throw new FsException(Errno.EINVAL);
            }
            if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_WRITE_ZEROES)) != 0) {
                long end = Math.min(size, offset + length);
                if (offset < end) {
                    backend.discard(offset, end - offset);
                }
                return;
            }
            if ((mode & ~FALLOC_FL_KEEP_SIZE) == 0 && ((mode & FALLOC_FL_KEEP_SIZE) != 0 || offset + length <= size)) {
                return; // preallocation within the device: everything is allocated already
            }
            throw new FsException(Errno.EOPNOTSUPP);
        }
    }
}
