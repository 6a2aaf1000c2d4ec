// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.Module;

/**
 * A reference on a driver's module that an open file takes for its lifetime: try_module_get of the
 * file operations' owner at open (refused with the open's errno while the module is going away; a
 * built-in driver, owner null, needs none) and module_put after the driver's release, exactly once
 * ({@code fops_get}/{@code fops_put} in chrdev_open, the owner reference of bdev_open/bdev_release).
 * Thread-safe: {@link #release} serialises on this object and runs its release only the first time.
 */
final class ModuleRef {

    private final Module owner;
    private boolean released;

    private ModuleRef(Module owner) {
        this.owner = owner;
    }

    /** try_module_get: {@code errno} ("PATH: driver NAME is going away") when the module is not live. */
    static ModuleRef get(Module owner, Errno errno, String path) {
        if (owner != null && !owner.tryGet()) {
            throw new ErrnoException(errno, path + ": driver " + owner.name() + " is going away");
        }
        return new ModuleRef(owner);
    }

    /**
     * The driver's release, then module_put, the first time only (later calls do nothing): the
     * reference is dropped even when the release throws.
     */
    synchronized void release(Runnable driverRelease) {
        if (released) {
            return;
        }
        released = true;
        try {
            driverRelease.run();
        } finally {
            if (owner != null) {
                owner.put();
            }
        }
    }

    /** module_put for an open that failed after taking the reference (nothing of the driver's to release). */
    void put() {
        release(() -> { });
    }
}
