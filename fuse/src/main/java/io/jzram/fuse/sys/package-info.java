// SPDX-License-Identifier: GPL-2.0-only
/**
 * Linux plumbing through libc (jnr-ffi): {@link io.jzram.fuse.sys.LibC} and
 * {@link io.jzram.fuse.sys.Native} (the binding and errno); {@link io.jzram.fuse.sys.Mounts}
 * (mount/umount2, tmpfs, bind, propagation, the mountinfo table as
 * {@link io.jzram.fuse.sys.MountEntry}); {@link io.jzram.fuse.sys.LoopDevice} (loop devices by
 * ioctl, with autoclear); {@link io.jzram.fuse.sys.DeviceNodes} (mknod, dev_t);
 * {@link io.jzram.fuse.sys.PrivateMountNamespace} (re-running a JVM under
 * {@code unshare --mount --propagation private}).
 *
 * <p>Everything here needs Linux, and mounting, loop devices and mknod need root
 * (CAP_SYS_ADMIN, CAP_MKNOD). No class keeps mutable static state.
 */
package io.jzram.fuse.sys;
