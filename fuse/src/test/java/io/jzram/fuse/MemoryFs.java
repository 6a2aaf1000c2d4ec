// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-memory tree for the tests: directories, regular files (content, a reported size that
 * may differ from it as sysfs attributes do, and an errno that writes fail with), symlinks. All
 * methods synchronise on the instance; tests change the tree while it is mounted.
 */
final class MemoryFs implements FuseFileSystem {
    private static final long TIME = 1_700_000_000_000_000_000L;

    /** One file of the tree. */
    private static final class Node {
        final int type;
        final int perm;
        byte[] content = new byte[0];
        long reportedSize = -1;
        int writeErrno;
        String target;

        Node(int type, int perm) {
            this.type = type;
            this.perm = perm;
        }
    }

    private final Map<String, Node> nodes = new TreeMap<>();
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger truncates = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    final Map<String, Integer> lastOpenFlags = new ConcurrentHashMap<>();

    MemoryFs() {
        nodes.put("/", new Node(FileAttr.S_IFDIR, 0755));
    }

    synchronized MemoryFs dir(String path) {
        nodes.put(path, new Node(FileAttr.S_IFDIR, 0755));
        return this;
    }

    synchronized MemoryFs file(String path, String content) {
        Node n = new Node(FileAttr.S_IFREG, 0644);
        n.content = content.getBytes(StandardCharsets.UTF_8);
        nodes.put(path, n);
        return this;
    }

    /** A sysfs-like attribute: st_size 4096 whatever its content. */
    synchronized MemoryFs attribute(String path, String content) {
        file(path, content);
        nodes.get(path).reportedSize = 4096;
        return this;
    }

    /** Writes to {@code path} fail with {@code errno}. */
    synchronized MemoryFs failWrites(String path, int errno) {
        nodes.get(path).writeErrno = errno;
        return this;
    }

    synchronized MemoryFs symlink(String path, String target) {
        Node n = new Node(FileAttr.S_IFLNK, 0777);
        n.target = target;
        nodes.put(path, n);
        return this;
    }

    synchronized MemoryFs remove(String path) {
        nodes.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
        return this;
    }

    synchronized String content(String path) {
        Node n = nodes.get(path);
        return n == null ? null : new String(n.content, StandardCharsets.UTF_8);
    }

    private Node get(String path) {
        Node n = nodes.get(path);
        if (n == null) {
            throw new FsException(Errno.ENOENT);
        }
        return n;
    }

    @Override
    public synchronized FileAttr getattr(Caller caller, String path) {
        Node n = get(path);
        switch (n.type) {
            case FileAttr.S_IFDIR:
                return FileAttr.directory(n.perm, TIME);
            case FileAttr.S_IFLNK:
                return FileAttr.symlink(n.target, TIME);
            default:
                return FileAttr.file(n.perm, n.reportedSize >= 0 ? n.reportedSize : n.content.length, TIME);
        }
    }

    @Override
    public synchronized List<DirEntry> readdir(Caller caller, String path) {
        if (get(path).type != FileAttr.S_IFDIR) {
            throw new FsException(Errno.ENOTDIR);
        }
        String prefix = path.equals("/") ? "/" : path + "/";
        List<DirEntry> out = new ArrayList<>();
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            String p = e.getKey();
            if (p.startsWith(prefix) && p.length() > prefix.length() && p.indexOf('/', prefix.length()) < 0) {
                out.add(new DirEntry(p.substring(prefix.length()), e.getValue().type));
            }
        }
        return out;
    }

    @Override
    public synchronized String readlink(Caller caller, String path) {
        Node n = get(path);
        if (n.type != FileAttr.S_IFLNK) {
            throw new FsException(Errno.EINVAL);
        }
        return n.target;
    }

    @Override
    public synchronized OpenFile open(Caller caller, String path, int flags) {
        Node n = get(path);
        if (n.type == FileAttr.S_IFDIR) {
            throw new FsException(Errno.EISDIR);
        }
        opens.incrementAndGet();
        lastOpenFlags.put(path, flags);
        return new Handle(n);
    }

    @Override
    public synchronized OpenFile create(Caller caller, String path, int mode, int flags) {
        if (nodes.containsKey(path)) {
            throw new FsException(Errno.EEXIST);
        }
        Node n = new Node(FileAttr.S_IFREG, mode & 07777);
        nodes.put(path, n);
        opens.incrementAndGet();
        return new Handle(n);
    }

    @Override
    public synchronized void unlink(Caller caller, String path) {
        if (get(path).type == FileAttr.S_IFDIR) {
            throw new FsException(Errno.EISDIR);
        }
        nodes.remove(path);
    }

    @Override
    public synchronized void truncate(Caller caller, String path, long size, OpenFile file) {
        Node n = get(path);
        n.content = Arrays.copyOf(n.content, (int) size);
        truncates.incrementAndGet();
    }

    @Override
    public void destroy() {
        destroyed.incrementAndGet();
    }

    /** An open file: reads and writes the node's content under the file system's lock. */
    private final class Handle implements OpenFile {
        private final Node node;

        Handle(Node node) {
            this.node = node;
        }

        @Override
        public int read(Caller caller, long offset, ByteBuffer dst) {
            synchronized (MemoryFs.this) {
                if (offset >= node.content.length) {
                    return 0;
                }
                int n = (int) Math.min(dst.remaining(), node.content.length - offset);
                dst.put(node.content, (int) offset, n);
                return n;
            }
        }

        @Override
        public int write(Caller caller, long offset, ByteBuffer src) {
            synchronized (MemoryFs.this) {
                if (node.writeErrno != 0) {
                    throw new FsException(node.writeErrno);
                }
                int n = src.remaining();
                if (offset + n > node.content.length) {
                    node.content = Arrays.copyOf(node.content, (int) (offset + n));
                }
                src.get(node.content, (int) offset, n);
                return n;
            }
        }

        @Override
        public void release() {
            releases.incrementAndGet();
        }
    }
}
