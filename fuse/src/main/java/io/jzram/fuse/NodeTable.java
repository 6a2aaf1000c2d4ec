// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import java.util.HashMap;
import java.util.Map;

/**
 * The node ids this server has handed to the kernel, and the paths they stand for: the FUSE
 * counterpart of the kernel's inode cache (fs/fuse/inode.c keys its inodes by nodeid and counts
 * the LOOKUPs it got for each, which it returns with FORGET).
 *
 * <p>A path keeps its node while the file keeps its type, so inode numbers are stable. When a
 * lookup finds the path gone, or of another type (a file where a directory was), the path gets a
 * new node: reusing the old id would make the kernel compare a cached inode against a different
 * file type and mark it bad (EIO for good). A node leaves the table when the kernel has forgotten
 * it and its path no longer maps to it. Memory is bounded by the number of distinct paths seen.
 *
 * <p>Threading: every method holds this table's monitor; none calls out.
 */
final class NodeTable {
    /** One node id: a path, the file type seen for it, and the kernel's outstanding lookups. */
    static final class Node {
        final long id;
        final String path;
        final int type;
        long lookups;

        Node(long id, String path, int type) {
            this.id = id;
            this.path = path;
            this.type = type;
        }
    }

    private final Map<Long, Node> byId = new HashMap<>();
    private final Map<String, Node> byPath = new HashMap<>();
    private long nextId = FuseAbi.ROOT_ID + 1;

    NodeTable() {
        Node root = new Node(FuseAbi.ROOT_ID, "/", FileAttr.S_IFDIR);
        root.lookups = 1;
        byId.put(root.id, root);
        byPath.put(root.path, root);
    }

    /** The node with this id, or null if the kernel should not have it (already forgotten). */
    synchronized Node get(long id) {
        return byId.get(id);
    }

    /**
     * The node for {@code path} with file type {@code type}, created or replaced as needed; its
     * lookup count grows by {@code lookups} (1 for a LOOKUP/CREATE/MKDIR answer, 0 for readdir's
     * inode numbers).
     */
    synchronized Node node(String path, int type, long lookups) {
        Node n = byPath.get(path);
        if (n == null || n.type != type) {
            if (n != null && n.lookups == 0) {
                byId.remove(n.id);
            }
            n = new Node(nextId++, path, type);
            byId.put(n.id, n);
            byPath.put(path, n);
        }
        n.lookups += lookups;
        return n;
    }

    /** The id of the node {@code path} has now, or 0. */
    synchronized long peek(String path) {
        Node n = byPath.get(path);
        return n == null ? 0 : n.id;
    }

    /** FORGET: the kernel dropped {@code count} lookups of node {@code id}. */
    synchronized void forget(long id, long count) {
        Node n = byId.get(id);
        if (n == null || n.id == FuseAbi.ROOT_ID) {
            return;
        }
        n.lookups = Math.max(0, n.lookups - count);
        if (n.lookups == 0 && byPath.get(n.path) != n) {
            byId.remove(id);
        }
    }

    /** The file at {@code path} is gone (ENOENT, unlink): the next one there gets a new node. */
    synchronized void gone(String path) {
        Node n = byPath.get(path);
        if (n == null || n.id == FuseAbi.ROOT_ID) {
            return;
        }
        byPath.remove(path);
        if (n.lookups == 0) {
            byId.remove(n.id);
        }
    }

    /** How many nodes the table holds (for tests and leak checks). */
    synchronized int size() {
        return byId.size();
    }
}
