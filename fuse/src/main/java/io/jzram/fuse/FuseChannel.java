// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import io.jzram.fuse.sys.LibC;
import io.jzram.fuse.sys.Native;
import io.jzram.fuse.sys.NativeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The /dev/fuse descriptor of one connection (fs/fuse/dev.c's side of it) plus an eventfd that
 * wakes the workers for shutdown.
 *
 * <p>The descriptor is non-blocking: a worker waits in poll(2) on both descriptors, then reads
 * (EAGAIN when another worker took the request first). A worker blocked in read(2) could not be
 * woken otherwise: closing the descriptor does not end a read in progress, and the kernel only
 * ends reads when the connection is aborted. The eventfd is written once and never read, so it
 * stays readable and every poller sees it.
 *
 * <p>Threading: {@link #read}, {@link #write}, {@link #await} and {@link #wake} may be called from
 * any number of threads at once (each read returns one whole request, each write delivers one whole
 * reply). {@link #close} only once no thread reads, writes or polls any more: a closed descriptor
 * number can be reused by the process at once. {@link #wake} after {@link #close} does nothing.
 */
final class FuseChannel {
    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final int EFD_CLOEXEC = 02000000;
    private static final short POLLIN = 0x1;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int ENOENT = 2;

    private final LibC libc = Native.libc();
    private final int fd;
    private final int wakeFd;
    private boolean closed;

    private FuseChannel(int fd, int wakeFd) {
        this.fd = fd;
        this.wakeFd = wakeFd;
    }

    /** Opens /dev/fuse (a new, not yet mounted connection) and the wake eventfd. */
    static FuseChannel open(String device) throws NativeException {
        LibC c = Native.libc();
        int fd = Native.check(c.open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0), "open", device);
        int efd = c.eventfd(0, EFD_CLOEXEC);
        if (efd < 0) {
            int errno = Native.errno();
            Native.closeQuietly(fd);
            throw new NativeException("eventfd", "", errno);
        }
        return new FuseChannel(fd, efd);
    }

    /** The /dev/fuse descriptor number (for the mount's "fd=" option). */
    int fd() {
        return fd;
    }

    /** A 16-byte direct buffer for {@link #await}: two struct pollfd. One per thread. */
    static ByteBuffer newPollBuffer() {
        return ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    }

    /**
     * Waits until a request may be readable (or the connection has an error to report) or
     * {@link #wake} was called. Returns false once woken; true otherwise, including on a timeout or
     * a signal, after which the caller simply tries to read.
     */
    boolean await(ByteBuffer pollfds, long pollAddress, int timeoutMillis) {
        pollfds.putInt(0, fd).putShort(4, POLLIN).putShort(6, (short) 0);
        pollfds.putInt(8, wakeFd).putShort(12, POLLIN).putShort(14, (short) 0);
        libc.poll(pollAddress, 2, timeoutMillis);
        return pollfds.getShort(14) == 0;
    }

    /** read(2) of one request into {@code [address, address + capacity)}: its length, or -errno. */
    long read(long address, int capacity) {
        long n = libc.read(fd, address, capacity);
        return n < 0 ? -Native.errno() : n;
    }

    /** write(2) of one reply: 0, or the errno (ENOENT: the request was aborted meanwhile). */
    int write(long address, int length) {
        long n = libc.write(fd, address, length);
        return n < 0 ? Native.errno() : 0;
    }

    /** Wakes every thread in {@link #await} now and from now on. */
    synchronized void wake() {
        if (closed) {
            return;
        }
        ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
        libc.write(wakeFd, Native.address(one), 8);
    }

    /**
     * Closes both descriptors. If this was the connection's last /dev/fuse descriptor, the kernel
     * aborts the connection: requests in flight and to come fail with ENOTCONN.
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.closeQuietly(fd);
        Native.closeQuietly(wakeFd);
    }
}
