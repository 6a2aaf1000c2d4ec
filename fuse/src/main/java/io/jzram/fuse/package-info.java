// SPDX-License-Identifier: GPL-2.0-only
/**
 * A FUSE server in pure Java: the kernel protocol of fs/fuse (include/uapi/linux/fuse.h, 7.31)
 * spoken over /dev/fuse directly, with no libfuse and no fusermount, so an emulated machine's
 * files can be served to real processes at real paths.
 *
 * <p>Entry points: {@link io.jzram.fuse.FuseFileSystem}, the path-based file system to implement
 * (errors are exact errnos, {@link io.jzram.fuse.FsException}); {@link io.jzram.fuse.OpenFile}, an
 * open file's reads and writes; {@link io.jzram.fuse.FuseMount}, which mounts one and serves it
 * until closed, configured by {@link io.jzram.fuse.FuseOptions}.
 *
 * <p>Structure: {@link io.jzram.fuse.FuseMount} owns a {@link io.jzram.fuse.FuseServer} (the worker
 * threads and the request dispatch), which owns a {@link io.jzram.fuse.FuseChannel} (the /dev/fuse
 * descriptor) and a {@link io.jzram.fuse.NodeTable} (node ids ↔ paths). The kernel is told to cache
 * nothing (entry and attribute validity 0, direct I/O by default), because the files are views of a
 * machine that changes under them. Native calls go through {@link io.jzram.fuse.sys}, which also
 * holds the mount namespace, mount, loop device and device node plumbing.
 */
package io.jzram.fuse;
