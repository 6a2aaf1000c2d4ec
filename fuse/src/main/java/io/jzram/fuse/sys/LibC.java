// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few glibc functions this module calls, bound by jnr-ffi (x86-64 and aarch64 Linux; glibc
 * 2.33+ for {@code mknod}). Buffers are passed as raw addresses ({@code long}) of direct
 * {@link java.nio.ByteBuffer}s: on the LP64 ABIs a pointer and a {@code long} travel alike, and
 * this keeps jnr-ffi from copying or pinning anything per call.
 *
 * <p>Every call saves errno ({@link SaveError}); {@link Native#errno()} reads it on the calling
 * thread right after the call. Thread-safe: the functions are.
 */
@SaveError
public interface LibC {
    int open(String path, int flags, int mode);

    int close(int fd);

    @ssize_t
    long read(int fd, long buf, @size_t long count);

    @ssize_t
    long write(int fd, long buf, @size_t long count);

    /** {@code poll(struct pollfd *fds, nfds_t nfds, int timeout)}. */
    int poll(long fds, long nfds, int timeoutMillis);

    int eventfd(int initval, int flags);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    /** {@code ioctl(fd, request, pointer)}: the argument is the address of a buffer. */
    int ioctl(int fd, long request, long arg);

    int mknod(String path, int mode, long dev);

    /** swapoff(2): stops swapping to the swap area on {@code path} (any node of its block device). */
    int swapoff(String path);

    int geteuid();

    int getegid();
}
