// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.PrivateMountNamespace;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The programs the tests start in a child JVM through {@link PrivateMountNamespace}:
 * <ul>
 * <li>{@code where}: prints "inside" or "outside" ({@link PrivateMountNamespace#isInside()});
 * <li>{@code tmpfs DIR}: mounts a tmpfs on DIR (only inside), writes DIR/probe, prints the mount;
 * <li>{@code serve-block DIR}: mounts a {@link BlockFileSystem} with a 256 MiB sparse disk.img on
 *     DIR (only inside), attaches a loop device to it, prints "READY /dev/loopN" and serves until
 *     its stdin ends or it is killed;
 * <li>{@code exit N}: exits with status N.
 * </ul>
 */
public final class NamespaceChild {
    private NamespaceChild() {
    }

    public static void main(String[] args) throws Exception {
        PrivateMountNamespace ns = PrivateMountNamespace.create();
        switch (args[0]) {
            case "where":
                System.out.println(ns.isInside() ? "inside" : "outside");
                return;
            case "exit":
                System.exit(Integer.parseInt(args[1]));
                return;
            case "tmpfs": {
                requireInside(ns);
                Path dir = Path.of(args[1]);
                Mounts.mountTmpfs(dir, "size=1m,mode=755");
                Files.writeString(dir.resolve("probe"), "written inside\n");
                System.out.println("mounted " + Mounts.top(dir).orElseThrow());
                return;
            }
            case "serve-block": {
                requireInside(ns);
                Path dir = Path.of(args[1]);
                BlockFileSystem fs = new BlockFileSystem().add("disk.img", new SparseMemoryBackend(256L << 20));
                try (FuseMount m = FuseMount.mount(dir, fs); LoopDevice loop = LoopDevice.attach(dir.resolve("disk.img"))) {
                    if (!m.isMounted()) {
                        throw new IllegalStateException(dir + " is not mounted");
                    }
                    System.out.println("READY " + loop.path());
                    System.out.flush();
                    while (System.in.read() >= 0) {
                        // serve until the parent closes our stdin
                    }
                }
                return;
            }
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static void requireInside(PrivateMountNamespace ns) {
        if (!ns.isInside()) {
            System.err.println("refusing to mount: not in a private mount namespace");
            System.exit(2);
        }
    }
}
