// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.Native;
import io.jzram.fuse.sys.NativeException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FuseFileSystem} mounted and served: what fusermount and libfuse's fuse_session do
 * together, without either. {@link #mount} opens /dev/fuse, calls mount(2) with type "fuse" and the
 * options "fd=N,rootmode=40000,user_id=U,group_id=G[,default_permissions][,allow_other],subtype=S"
 * (fs/fuse/inode.c parses them), starts the {@link FuseServer} workers and waits for the kernel's
 * INIT. {@link #close()} unmounts lazily (umount2 MNT_DETACH: gone from the tree at once, even
 * while files are open), stops the workers and closes the device descriptor, which aborts the
 * connection: anything still using the file system (an open file, a loop device over a file in it)
 * gets ENOTCONN from then on instead of hanging.
 *
 * <p>If the process dies without close(), the kernel closes the descriptor and aborts the
 * connection, but the mount stays in its namespace (as "Transport endpoint is not connected"):
 * mount in a private namespace ({@link io.jzram.fuse.sys.PrivateMountNamespace}) to have it
 * disappear with the process. An unmount by someone else ends the workers by itself (the device
 * answers ENODEV); {@link #awaitUnmounted} waits for that.
 *
 * <p>Threading: {@link #close()} is idempotent and may be called from any thread except a worker
 * (a {@link FuseFileSystem} method must not close its own mount: it would wait for itself).
 */
public final class FuseMount implements AutoCloseable {
    private final System.Logger log = System.getLogger(FuseMount.class.getName());
    private final Path mountPoint;
    private final FuseServer server;
    private final FuseOptions options;
    private final int mountId;
    private boolean closed;

    private FuseMount(Path mountPoint, FuseServer server, FuseOptions options, int mountId) {
        this.mountPoint = mountPoint;
        this.server = server;
        this.options = options;
        this.mountId = mountId;
    }

    /** Mounts {@code fs} on directory {@code mountPoint} with the default options. */
    public static FuseMount mount(Path mountPoint, FuseFileSystem fs) throws IOException {
        return mount(mountPoint, fs, FuseOptions.defaults());
    }

    /** Mounts {@code fs} on directory {@code mountPoint} and serves it until {@link #close()}. */
    public static FuseMount mount(Path mountPoint, FuseFileSystem fs, FuseOptions options) throws IOException {
        if (!Files.isDirectory(mountPoint)) {
            throw new NotDirectoryException(mountPoint.toString());
        }
        Path mp = mountPoint.toRealPath(); // as mountinfo will show it: symlinks resolved
        FuseChannel channel = FuseChannel.open(options.device());
        String data = "fd=" + channel.fd() + ",rootmode=40000,user_id=" + Native.libc().geteuid() + ",group_id="
                + Native.libc().getegid() + (options.defaultPermissions() ? ",default_permissions" : "")
                + (options.allowOther() ? ",allow_other" : "") + ",subtype=" + options.subtype();
        try {
            Mounts.mount(options.source(), mp, "fuse", options.mountFlags(), data);
        } catch (NativeException e) {
            channel.close();
            throw e;
        }
        int id = Mounts.top(mp).filter(m -> m.fsType().equals("fuse." + options.subtype())).map(MountEntry::id).orElse(-1);
        Path name = mp.getFileName();
        FuseServer server = new FuseServer(fs, options, channel, name == null ? "root" : name.toString());
        FuseMount m = new FuseMount(mp, server, options, id);
        server.start();
        boolean initialised;
        try {
            initialised = server.awaitInit(options.initTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    && server.stats().protocolMinor() > 0;
        } catch (InterruptedException e) {
            m.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for FUSE INIT on " + mp, e);
        }
        if (!initialised) {
            String why = server.endReason();
            m.close();
            throw new IOException("the kernel did not complete FUSE INIT on " + mp + (why == null ? "" : ": " + why));
        }
        return m;
    }

    /** Where it is mounted. */
    public Path mountPoint() {
        return mountPoint;
    }

    /** The mount ID /proc/self/mountinfo shows for it (-1 if it could not be found). */
    public int mountId() {
        return mountId;
    }

    /** Whether the mount is still in this namespace's mount table. */
    public boolean isMounted() {
        return Mounts.at(mountPoint).stream().anyMatch(m -> m.id() == mountId);
    }

    /** Traffic counters and the negotiated protocol version. */
    public FuseStats stats() {
        return server.stats();
    }

    /** Why the workers ended, or empty while they serve. */
    public Optional<String> endReason() {
        return server.isTerminated() ? Optional.ofNullable(server.endReason()) : Optional.empty();
    }

    /** The worker threads (for diagnostics and tests). */
    public List<Thread> workers() {
        return server.workers();
    }

    /**
     * Waits until the workers have ended because the file system was unmounted (by someone else)
     * or {@link #close()} ran; true if they did within {@code timeout}.
     */
    public boolean awaitUnmounted(Duration timeout) throws InterruptedException {
        return server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Unmounts (lazily) and stops serving: the mount leaves the tree, the workers finish the
     * requests in hand and end, the device descriptor is closed (aborting the connection), open
     * handles are released and {@link FuseFileSystem#destroy()} runs. Waits up to
     * {@link FuseOptions#closeTimeout()} for the workers.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            Optional<MountEntry> top = Mounts.top(mountPoint);
            if (top.isPresent() && (top.get().id() == mountId
                    || mountId < 0 && top.get().fsType().equals("fuse." + options.subtype()))) {
                Mounts.detach(mountPoint);
            } else if (isMounted()) {
                // Something is mounted over ours: detaching the path would take that instead. The
                // abort below still cuts ours off; it stays in the table as a dead mount.
                log.log(Level.WARNING, "not unmounting " + mountPoint + ": another mount covers it");
            }
        } catch (NativeException e) {
            log.log(Level.WARNING, "unmounting " + mountPoint + " failed", e);
        }
        server.stop();
        try {
            if (!server.awaitTermination(options.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.log(Level.WARNING, "FUSE workers of " + mountPoint + " did not end within " + options.closeTimeout()
                        + " (a file system call blocks); the device stays open until they do");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FuseMount[" + mountPoint + ", id " + mountId + "]";
    }
}
