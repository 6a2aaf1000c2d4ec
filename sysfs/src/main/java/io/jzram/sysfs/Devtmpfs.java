// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * devtmpfs (drivers/base/devtmpfs.c) reduced to a flat name → node map: the driver core creates a
 * node when it adds a device with a dev_t and removes it when it deletes the device. Thread-safe
 * (a concurrent sorted map).
 */
public final class Devtmpfs {

    private final ConcurrentSkipListMap<String, DevNode> nodes = new ConcurrentSkipListMap<>();

    /** devtmpfs_create_node(): EEXIST when the name is taken. */
    public void create(DevNode node) {
        if (nodes.putIfAbsent(node.name(), node) != null) {
            throw new ErrnoException(Errno.EEXIST, "/dev/" + node.name() + " exists");
        }
    }

    /** devtmpfs_delete_node(): removes the node if it is still this one. */
    public void delete(DevNode node) {
        nodes.remove(node.name(), node);
    }

    /** The node of that name, or null. */
    public DevNode lookup(String name) {
        return nodes.get(name);
    }

    /** Every node, by name. */
    public List<DevNode> list() {
        return new ArrayList<>(nodes.values());
    }
}
