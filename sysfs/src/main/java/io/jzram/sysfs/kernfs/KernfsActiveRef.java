// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.module.Module;

/**
 * One active reference on a node, as kernfs_get_active() returned it; {@link #close()} is
 * kernfs_put_active(). With the seed's generic fix on, the reference also holds the owner module
 * (try_module_get at get, module_put at put); each reference remembers whether it took the module,
 * so flipping the fix while operations are in flight keeps the counts balanced.
 */
public final class KernfsActiveRef implements AutoCloseable {

    private final KernfsNode node;
    private final Module module;
    private boolean closed;

    KernfsActiveRef(KernfsNode node, Module module) {
        this.node = node;
        this.module = module;
    }

    public KernfsNode node() {
        return node;
    }

    /** The module held by this reference (the generic fix), or null. */
    public Module heldModule() {
        return module;
    }

    /** kernfs_put_active(). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (module == null && node.owner() != null) {
            node.unpinned.decrementAndGet();
        }
        node.active.put();
        if (module != null) {
            module.put();
        }
    }
}
