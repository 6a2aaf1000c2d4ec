// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * Who made a request (the uid, gid and pid of struct fuse_in_header; pid 0 for requests the kernel
 * makes on its own, such as the loop driver's I/O) and whether the caller has since been
 * interrupted by a signal (FUSE_INTERRUPT). A file system that blocks may poll
 * {@link #interrupted()} and give up with EINTR; one that ignores it is correct too, the kernel
 * waits for the answer either way (the caller's syscall then returns EINTR or the answer).
 */
public interface Caller {
    int uid();

    int gid();

    int pid();

    /** Whether the kernel has sent FUSE_INTERRUPT for this request. */
    boolean interrupted();
}
