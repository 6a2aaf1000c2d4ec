// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.sys.Native;
import io.jzram.fuse.sys.PrivateMountNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code jzram run} needs from the host, checked before anything is touched: root (mount(2),
 * mknod, loop devices: CAP_SYS_ADMIN, CAP_MKNOD), /dev/fuse, /dev/loop-control, and unshare(1) for
 * the private mount namespace. {@link #missing()} names the first one missing in one line.
 * Stateless.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** The first thing missing, as one line, or empty when everything is there. */
    public static Optional<String> missing() {
        if (!isRoot()) {
            return Optional.of("not root: mount(2), mknod and loop devices need uid 0 (CAP_SYS_ADMIN, CAP_MKNOD)");
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return Optional.of("/dev/fuse is missing (modprobe fuse)");
        }
        if (!Files.isReadable(Path.of("/dev/fuse")) || !Files.isWritable(Path.of("/dev/fuse"))) {
            return Optional.of("/dev/fuse is not read-writable");
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return Optional.of("/dev/loop-control is missing: no loop devices (modprobe loop)");
        }
        if (!PrivateMountNamespace.available()) {
            return Optional.of("unshare (util-linux) is not on PATH: no private mount namespace");
        }
        return Optional.empty();
    }

    static boolean isRoot() {
        try {
            return Native.libc().geteuid() == 0;
        } catch (LinkageError e) {
            return false; // no libc to ask: no mounts either
        }
    }
}
