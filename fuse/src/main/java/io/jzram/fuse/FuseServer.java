// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static io.jzram.fuse.FuseAbi.*;

import io.jzram.fuse.sys.Native;
import io.jzram.kernel.Errno;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The user-space half of one FUSE connection: reads requests from the kernel (fs/fuse/dev.c
 * queues them, include/uapi/linux/fuse.h lays them out), turns them into calls on a path-based
 * {@link FuseFileSystem}, and writes the replies.
 *
 * <p>Request to call: LOOKUP and GETATTR → {@link FuseFileSystem#getattr}; SETATTR → truncate /
 * chmod / chown / utimens, then getattr; READLINK; OPEN → {@link FuseFileSystem#open} (the
 * {@link OpenFile} becomes the fh); READ/WRITE/FLUSH/FSYNC/FALLOCATE/RELEASE → that handle;
 * OPENDIR/READDIR/RELEASEDIR → {@link FuseFileSystem#readdir} (a snapshot per open directory, taken
 * at offset 0, with "." and ".." first); CREATE, MKDIR, UNLINK, RMDIR; STATFS; ACCESS. GETXATTR
 * answers ENODATA and LISTXATTR an empty list (as kernfs without security labels); SETXATTR and
 * REMOVEXATTR EOPNOTSUPP; MKNOD, SYMLINK, LINK, RENAME EPERM; INTERRUPT marks the request's
 * {@link Caller}; FORGET/BATCH_FORGET update the {@link NodeTable}; anything else ENOSYS.
 * Entries and attributes are given a validity of 0: the kernel asks again on every path walk and
 * stat, so files the emulated machine adds or removes show at once.
 *
 * <p>Threads: {@link FuseOptions#threads()} workers, each with its own request and reply buffers
 * (direct, sized for the negotiated max_write), loop over poll, read, dispatch, write. They share
 * the node table (its own lock) and the handle maps (concurrent). The file system is called
 * concurrently. The last worker to end releases the handles still open, closes the channel (which
 * aborts the connection if it is still mounted somewhere) and calls
 * {@link FuseFileSystem#destroy()}. Workers end when {@link #stop()} is called or when the kernel
 * reports the connection gone (ENODEV after an unmount or abort, ENOTCONN, ECONNABORTED).
 */
final class FuseServer {
    private static final int ENODEV = 19;
    private static final int ENOTCONN = 107;
    private static final int ECONNABORTED = 103;
    private static final int POLL_MILLIS = 5000;
    /** Unknown inode number in a directory entry (what the kernel itself uses, FUSE_UNKNOWN_INO). */
    private static final long UNKNOWN_INO = 0xffffffffL;

    private final System.Logger log = System.getLogger(FuseServer.class.getName());
    private final FuseFileSystem fs;
    private final FuseOptions options;
    private final FuseChannel channel;
    private final String name;
    private final NodeTable nodes = new NodeTable();
    private final Map<Long, OpenFile> files = new ConcurrentHashMap<>();
    private final Map<Long, DirHandle> dirs = new ConcurrentHashMap<>();
    private final Map<Long, RequestState> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger liveWorkers = new AtomicInteger();
    private final CountDownLatch initDone = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final List<Thread> workers = new ArrayList<>();
    private volatile int protocolMinor;
    private volatile String endReason;

    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder readBytes = new LongAdder();
    private final AtomicLong largestRead = new AtomicLong();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeBytes = new LongAdder();
    private final AtomicLong largestWrite = new AtomicLong();

    FuseServer(FuseFileSystem fs, FuseOptions options, FuseChannel channel, String name) {
        this.fs = fs;
        this.options = options;
        this.channel = channel;
        this.name = name;
    }

    /** Starts the workers. Once only. */
    void start() {
        int n = options.threads();
        liveWorkers.set(n);
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(this::workerLoop, "fuse-" + name + "-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /** Waits for the kernel's INIT to be answered. */
    boolean awaitInit(long timeout, TimeUnit unit) throws InterruptedException {
        return initDone.await(timeout, unit);
    }

    /** Asks the workers to end (they finish the request in hand first). Idempotent. */
    void stop() {
        if (stopping.compareAndSet(false, true)) {
            end("stopped");
        }
    }

    /** Waits until every worker has ended and the channel is closed. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /** Why the workers ended ("stopped", "unmounted", an error), or null while they run. */
    String endReason() {
        return endReason;
    }

    List<Thread> workers() {
        return List.copyOf(workers);
    }

    FuseStats stats() {
        return new FuseStats(requests.sum(), errors.sum(), reads.sum(), readBytes.sum(), largestRead.get(),
                writes.sum(), writeBytes.sum(), largestWrite.get(), protocolMinor);
    }

    private void end(String reason) {
        if (endReason == null) {
            endReason = reason;
        }
        stopping.set(true);
        channel.wake();
    }

    // ------------------------------------------------------------------ the worker loop

    /** One worker's buffers: a request is read into {@code in}, its reply built in {@code out}. */
    private static final class Buffers {
        final ByteBuffer in;
        final long inAddress;
        final ByteBuffer out;
        final long outAddress;
        final ByteBuffer poll = FuseChannel.newPollBuffer();
        final long pollAddress = Native.address(poll);

        Buffers(int maxWrite) {
            // The kernel refuses a read buffer smaller than the largest WRITE it may send with its headers.
            int inSize = Math.max(MIN_READ_BUFFER, IN_HEADER_SIZE + RW_IN_SIZE + maxWrite + 4096);
            in = ByteBuffer.allocateDirect(inSize).order(ByteOrder.LITTLE_ENDIAN);
            inAddress = Native.address(in);
            out = ByteBuffer.allocateDirect(OUT_HEADER_SIZE + maxWrite + 4096).order(ByteOrder.LITTLE_ENDIAN);
            outAddress = Native.address(out);
        }
    }

    private void workerLoop() {
        try {
            Buffers b = new Buffers(options.maxWrite());
            while (!stopping.get()) {
                if (!channel.await(b.poll, b.pollAddress, POLL_MILLIS)) {
                    break;
                }
                long n = channel.read(b.inAddress, b.in.capacity());
                if (n < 0) {
                    int errno = (int) -n;
                    if (errno == FuseChannel.EAGAIN || errno == FuseChannel.EINTR) {
                        continue;
                    }
                    end(errno == ENODEV || errno == ENOTCONN || errno == ECONNABORTED ? "unmounted"
                            : "read from the FUSE device failed: " + Errno.describe(errno));
                    break;
                }
                if (!serve(b, (int) n)) {
                    break;
                }
            }
        } catch (Throwable t) {
            log.log(Level.ERROR, "FUSE worker " + Thread.currentThread().getName() + " failed", t);
            end("worker failed: " + t);
        } finally {
            if (liveWorkers.decrementAndGet() == 0) {
                terminate();
            }
        }
    }

    private void terminate() {
        try {
            for (Long fh : List.copyOf(files.keySet())) {
                OpenFile f = files.remove(fh);
                if (f != null) {
                    releaseQuietly(f);
                }
            }
            dirs.clear();
            channel.close();
            try {
                fs.destroy();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "FuseFileSystem.destroy failed", e);
            }
        } finally {
            initDone.countDown();
            terminated.countDown();
        }
    }

    private void releaseQuietly(OpenFile f) {
        try {
            f.release();
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "OpenFile.release failed", e);
        }
    }

    /** Serves one request of {@code length} bytes in {@code b.in}; false when the connection is gone. */
    private boolean serve(Buffers b, int length) {
        ByteBuffer in = b.in;
        requests.increment();
        if (length < IN_HEADER_SIZE || in.getInt(IN_LEN) != length) {
            log.log(Level.ERROR, "malformed FUSE request of " + length + " bytes");
            return true;
        }
        int opcode = in.getInt(IN_OPCODE);
        long unique = in.getLong(IN_UNIQUE);
        long nodeid = in.getLong(IN_NODEID);
        switch (opcode) {
            case FORGET:
                nodes.forget(nodeid, in.getLong(IN_HEADER_SIZE));
                return true;
            case BATCH_FORGET:
                batchForget(in, length);
                return true;
            case NOTIFY_REPLY:
                return true;
            case INTERRUPT: {
                RequestState target = inFlight.get(in.getLong(IN_HEADER_SIZE));
                if (target != null) {
                    target.interrupt();
                    return true;
                }
                // Not seen yet (another worker is about to take it) or done: EAGAIN makes the
                // kernel queue the interrupt again if the request is still pending.
                return reply(b, unique, -Errno.EAGAIN.number(), 0);
            }
            default:
                break;
        }
        RequestState caller = new RequestState(in.getInt(IN_UID), in.getInt(IN_GID), in.getInt(IN_PID));
        inFlight.put(unique, caller);
        int result;
        try {
            result = dispatch(b, opcode, nodeid, length, caller);
        } catch (FsException e) {
            result = e.errno() < 512 ? -e.errno() : -Errno.EIO.number();
        } catch (RuntimeException | Error e) {
            log.log(Level.WARNING, "FUSE opcode " + opcode + " failed", e);
            result = -Errno.EIO.number();
        } finally {
            inFlight.remove(unique);
        }
        return reply(b, unique, result, opcode);
    }

    /** Writes the reply in {@code b.out}: a payload of {@code result} bytes, or the error -result. */
    private boolean reply(Buffers b, long unique, int result, int opcode) {
        int len = OUT_HEADER_SIZE + Math.max(0, result);
        if (result < 0) {
            errors.increment();
        }
        b.out.putInt(OUT_LEN, len).putInt(OUT_ERROR, Math.min(0, result)).putLong(OUT_UNIQUE, unique);
        int errno = channel.write(b.outAddress, len);
        if (errno == 0 || errno == FuseChannel.ENOENT) {
            return true; // ENOENT: the request was aborted or interrupted away meanwhile
        }
        if (errno == ENODEV || errno == ENOTCONN || errno == ECONNABORTED) {
            end("unmounted");
            return false;
        }
        log.log(Level.ERROR, "the kernel refused the reply to opcode " + opcode + " (" + len + " bytes, result "
                + result + "): " + Errno.describe(errno));
        return true;
    }

    private void batchForget(ByteBuffer in, int length) {
        int count = in.getInt(IN_HEADER_SIZE);
        int at = IN_HEADER_SIZE + BATCH_FORGET_IN_SIZE;
        for (int i = 0; i < count && at + FORGET_ONE_SIZE <= length; i++, at += FORGET_ONE_SIZE) {
            nodes.forget(in.getLong(at), in.getLong(at + 8));
        }
    }

    // ------------------------------------------------------------------ dispatch

    /** Handles one request; returns the reply payload's length (built in b.out), or -errno. */
    private int dispatch(Buffers b, int opcode, long nodeid, int length, Caller caller) {
        ByteBuffer in = b.in;
        ByteBuffer out = b.out;
        final int arg = IN_HEADER_SIZE;
        final int res = OUT_HEADER_SIZE;
        switch (opcode) {
            case INIT:
                return init(in, out);
            case DESTROY:
                return 0;
            case LOOKUP: {
                String path = child(node(nodeid).path, name(in, arg, length));
                return entry(out, res, caller, path);
            }
            case GETATTR: {
                NodeTable.Node n = node(nodeid);
                FileAttr a = fs.getattr(caller, n.path);
                if (a.type() != n.type) {
                    throw new FsException(Errno.ENOENT, n.path + " changed type");
                }
                return attrOut(out, res, n, a);
            }
            case SETATTR:
                return setattr(in, out, node(nodeid), caller);
            case READLINK: {
                byte[] target = fs.readlink(caller, node(nodeid).path).getBytes(StandardCharsets.UTF_8);
                if (target.length > out.capacity() - res) {
                    return -Errno.ENAMETOOLONG.number();
                }
                out.put(res, target);
                return target.length;
            }
            case OPEN: {
                OpenFile f = fs.open(caller, node(nodeid).path, in.getInt(arg + OPEN_IN_FLAGS));
                return openOut(out, res, f);
            }
            case READ:
                return read(in, out, caller);
            case WRITE:
                return write(in, length, out, caller);
            case FLUSH:
                file(in.getLong(arg + FH)).flush(caller);
                return 0;
            case FSYNC:
                file(in.getLong(arg + FH)).fsync(caller, (in.getInt(arg + FSYNC_FLAGS) & FUSE_FSYNC_FDATASYNC) != 0);
                return 0;
            case RELEASE: {
                OpenFile f = files.remove(in.getLong(arg + FH));
                if (f != null) {
                    f.release();
                }
                return 0;
            }
            case FALLOCATE:
                file(in.getLong(arg + FALLOCATE_FH)).fallocate(caller, in.getInt(arg + FALLOCATE_MODE),
                        in.getLong(arg + FALLOCATE_OFFSET), in.getLong(arg + FALLOCATE_LENGTH));
                return 0;
            case OPENDIR: {
                long fh = nextHandle.getAndIncrement();
                dirs.put(fh, new DirHandle(node(nodeid).path));
                out.putLong(res + OPEN_OUT_FH, fh).putInt(res + OPEN_OUT_FLAGS, 0).putInt(res + OPEN_OUT_FLAGS + 4, 0);
                return OPEN_OUT_SIZE;
            }
            case READDIR:
                return readdir(in, out, caller);
            case RELEASEDIR:
                dirs.remove(in.getLong(arg + FH));
                return 0;
            case FSYNCDIR:
                return 0;
            case STATFS:
                return statfs(out, res, fs.statfs(caller));
            case ACCESS:
                fs.access(caller, node(nodeid).path, in.getInt(arg + ACCESS_MASK));
                return 0;
            case CREATE:
                return create(in, length, out, node(nodeid), caller);
            case MKDIR: {
                String path = child(node(nodeid).path, name(in, arg + MKDIR_IN_SIZE, length));
                fs.mkdir(caller, path, in.getInt(arg + MKDIR_IN_MODE));
                return entry(out, res, caller, path);
            }
            case UNLINK:
            case RMDIR: {
                String path = child(node(nodeid).path, name(in, arg, length));
                if (opcode == UNLINK) {
                    fs.unlink(caller, path);
                } else {
                    fs.rmdir(caller, path);
                }
                nodes.gone(path);
                return 0;
            }
            case GETXATTR:
                return -Errno.ENODATA.number();
            case LISTXATTR:
                if (in.getInt(arg) == 0) {
                    out.putInt(res, 0).putInt(res + 4, 0); // struct fuse_getxattr_out: the size needed
                    return GETXATTR_OUT_SIZE;
                }
                return 0;
            case SETXATTR:
            case REMOVEXATTR:
                return -Errno.EOPNOTSUPP.number();
            case MKNOD:
            case SYMLINK:
            case LINK:
            case RENAME:
            case RENAME2:
                return -Errno.EPERM.number();
            default:
                return -Errno.ENOSYS.number();
        }
    }

    private int init(ByteBuffer in, ByteBuffer out) {
        int major = in.getInt(IN_HEADER_SIZE + INIT_MAJOR);
        int minor = in.getInt(IN_HEADER_SIZE + INIT_MINOR);
        int kernelFlags = in.getInt(IN_HEADER_SIZE + INIT_FLAGS);
        int maxReadahead = in.getInt(IN_HEADER_SIZE + INIT_MAX_READAHEAD);
        int r = OUT_HEADER_SIZE;
        for (int i = 0; i < INIT_OUT_SIZE; i += 4) {
            out.putInt(r + i, 0);
        }
        if (major != KERNEL_VERSION) {
            // A newer major: answer ours and wait for the kernel to retry (fuse.h's negotiation).
            out.putInt(r + INIT_MAJOR, KERNEL_VERSION).putInt(r + INIT_MINOR, KERNEL_MINOR_VERSION);
            return major > KERNEL_VERSION ? 8 : -Errno.EPROTO.number();
        }
        int agreed = Math.min(minor, KERNEL_MINOR_VERSION);
        int want = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES
                | (options.asyncDirectIo() ? FUSE_ASYNC_DIO : 0);
        out.putInt(r + INIT_MAJOR, KERNEL_VERSION)
                .putInt(r + INIT_MINOR, agreed)
                .putInt(r + INIT_MAX_READAHEAD, maxReadahead)
                .putInt(r + INIT_FLAGS, want & kernelFlags)
                .putInt(r + INIT_OUT_MAX_WRITE, options.maxWrite())
                .putInt(r + INIT_OUT_TIME_GRAN, 1)
                .putShort(r + INIT_OUT_MAX_PAGES, (short) options.maxPages());
        protocolMinor = agreed;
        initDone.countDown();
        return INIT_OUT_SIZE;
    }

    private int entry(ByteBuffer out, int at, Caller caller, String path) {
        FileAttr a;
        try {
            a = fs.getattr(caller, path);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT.number()) {
                nodes.gone(path);
            }
            throw e;
        }
        NodeTable.Node n = nodes.node(path, a.type(), 1);
        out.putLong(at + ENTRY_NODEID, n.id).putLong(at + ENTRY_GENERATION, 0);
        for (int i = 16; i < ENTRY_ATTR; i += 8) {
            out.putLong(at + i, 0); // entry_valid, attr_valid, their nsecs: 0, nothing cached
        }
        putAttr(out, at + ENTRY_ATTR, n.id, a);
        return ENTRY_OUT_SIZE;
    }

    private int attrOut(ByteBuffer out, int at, NodeTable.Node n, FileAttr a) {
        out.putLong(at, 0).putInt(at + 8, 0).putInt(at + 12, 0); // attr_valid 0: ask every time
        putAttr(out, at + ATTR_OUT_ATTR, n.id, a);
        return ATTR_OUT_SIZE;
    }

    private static void putAttr(ByteBuffer out, int at, long nodeId, FileAttr a) {
        long sec = Math.floorDiv(a.timeNanos(), 1_000_000_000L);
        int nsec = (int) Math.floorMod(a.timeNanos(), 1_000_000_000L);
        out.putLong(at + ATTR_INO, a.ino() != 0 ? a.ino() : nodeId)
                .putLong(at + ATTR_SIZE_FIELD, a.size())
                .putLong(at + ATTR_BLOCKS, (a.size() + 511) / 512)
                .putLong(at + ATTR_ATIME, sec).putLong(at + ATTR_MTIME, sec).putLong(at + ATTR_CTIME, sec)
                .putInt(at + ATTR_ATIMENSEC, nsec).putInt(at + ATTR_MTIMENSEC, nsec).putInt(at + ATTR_CTIMENSEC, nsec)
                .putInt(at + ATTR_MODE, a.mode())
                .putInt(at + ATTR_NLINK, a.nlink())
                .putInt(at + ATTR_UID, a.uid())
                .putInt(at + ATTR_GID, a.gid())
                .putInt(at + ATTR_RDEV, (int) a.rdev())
                .putInt(at + ATTR_BLKSIZE, 4096)
                .putInt(at + ATTR_BLKSIZE + 4, 0);
    }

    private int setattr(ByteBuffer in, ByteBuffer out, NodeTable.Node n, Caller caller) {
        int at = IN_HEADER_SIZE;
        int valid = in.getInt(at + SETATTR_VALID);
        if ((valid & FATTR_MODE) != 0) {
            fs.chmod(caller, n.path, in.getInt(at + SETATTR_MODE) & 07777);
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            fs.chown(caller, n.path, (valid & FATTR_UID) != 0 ? in.getInt(at + SETATTR_UID) : -1,
                    (valid & FATTR_GID) != 0 ? in.getInt(at + SETATTR_GID) : -1);
        }
        if ((valid & FATTR_SIZE) != 0) {
            OpenFile f = (valid & FATTR_FH) != 0 ? files.get(in.getLong(at + SETATTR_FH)) : null;
            fs.truncate(caller, n.path, in.getLong(at + SETATTR_SIZE), f);
        }
        if ((valid & FATTR_MTIME) != 0) {
            long t = (valid & FATTR_MTIME_NOW) != 0 ? nowNanos()
                    : in.getLong(at + SETATTR_MTIME) * 1_000_000_000L + Integer.toUnsignedLong(in.getInt(at + SETATTR_MTIMENSEC));
            fs.utimens(caller, n.path, t);
        }
        FileAttr a = fs.getattr(caller, n.path);
        if (a.type() != n.type) {
            throw new FsException(Errno.ENOENT, n.path + " changed type");
        }
        return attrOut(out, OUT_HEADER_SIZE, n, a);
    }

    private static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private int openOut(ByteBuffer out, int at, OpenFile f) {
        long fh = nextHandle.getAndIncrement();
        files.put(fh, f);
        int flags = (f.directIo() ? FOPEN_DIRECT_IO : 0) | (f.keepCache() ? FOPEN_KEEP_CACHE : 0);
        out.putLong(at + OPEN_OUT_FH, fh).putInt(at + OPEN_OUT_FLAGS, flags).putInt(at + OPEN_OUT_FLAGS + 4, 0);
        return OPEN_OUT_SIZE;
    }

    private int read(ByteBuffer in, ByteBuffer out, Caller caller) {
        int at = IN_HEADER_SIZE;
        OpenFile f = file(in.getLong(at + RW_FH));
        long offset = in.getLong(at + RW_OFFSET);
        int size = Math.min(in.getInt(at + RW_SIZE), out.capacity() - OUT_HEADER_SIZE);
        reads.increment();
        largestRead.accumulateAndGet(size, Math::max);
        ByteBuffer dst = out.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(OUT_HEADER_SIZE)
                .limit(OUT_HEADER_SIZE + size).slice();
        int n = f.read(caller, offset, dst);
        if (n < 0 || n > size) {
            throw new IllegalStateException("OpenFile.read returned " + n + " for a read of " + size + " bytes");
        }
        readBytes.add(n);
        return n;
    }

    private int write(ByteBuffer in, int length, ByteBuffer out, Caller caller) {
        int at = IN_HEADER_SIZE;
        OpenFile f = file(in.getLong(at + RW_FH));
        long offset = in.getLong(at + RW_OFFSET);
        int size = in.getInt(at + RW_SIZE);
        int data = at + RW_IN_SIZE;
        if (size < 0 || data + size > length) {
            return -Errno.EINVAL.number();
        }
        writes.increment();
        largestWrite.accumulateAndGet(size, Math::max);
        ByteBuffer src = in.duplicate().position(data).limit(data + size).slice().asReadOnlyBuffer();
        int n = f.write(caller, offset, src);
        if (n < 0 || n > size) {
            throw new IllegalStateException("OpenFile.write returned " + n + " for a write of " + size + " bytes");
        }
        writeBytes.add(n);
        out.putInt(OUT_HEADER_SIZE, n).putInt(OUT_HEADER_SIZE + 4, 0);
        return WRITE_OUT_SIZE;
    }

    private int create(ByteBuffer in, int length, ByteBuffer out, NodeTable.Node parent, Caller caller) {
        int at = IN_HEADER_SIZE;
        String path = child(parent.path, name(in, at + CREATE_IN_SIZE, length));
        OpenFile f = fs.create(caller, path, in.getInt(at + CREATE_IN_MODE), in.getInt(at + CREATE_IN_FLAGS));
        int n;
        try {
            n = entry(out, OUT_HEADER_SIZE, caller, path);
        } catch (RuntimeException e) {
            releaseQuietly(f);
            throw e;
        }
        return n + openOut(out, OUT_HEADER_SIZE + n, f);
    }

    private int readdir(ByteBuffer in, ByteBuffer out, Caller caller) {
        int at = IN_HEADER_SIZE;
        DirHandle d = dirs.get(in.getLong(at + RW_FH));
        if (d == null) {
            return -Errno.EBADF.number();
        }
        long offset = in.getLong(at + RW_OFFSET);
        int size = Math.min(in.getInt(at + RW_SIZE), out.capacity() - OUT_HEADER_SIZE);
        List<Dirent> list = d.listing(offset == 0, () -> listing(caller, d.path));
        int pos = OUT_HEADER_SIZE;
        int end = OUT_HEADER_SIZE + size;
        for (long i = Math.max(0, offset); i < list.size(); i++) {
            Dirent e = list.get((int) i);
            int rec = direntSize(e.name.length);
            if (pos + rec > end) {
                break;
            }
            out.putLong(pos, e.ino).putLong(pos + 8, i + 1).putInt(pos + 16, e.name.length).putInt(pos + 20, e.type >>> 12);
            out.put(pos + DIRENT_NAME, e.name);
            for (int p = pos + DIRENT_NAME + e.name.length; p < pos + rec; p++) {
                out.put(p, (byte) 0);
            }
            pos += rec;
        }
        return pos - OUT_HEADER_SIZE;
    }

    private List<Dirent> listing(Caller caller, String dir) {
        List<DirEntry> entries = fs.readdir(caller, dir);
        List<Dirent> list = new ArrayList<>(entries.size() + 2);
        long self = nodes.peek(dir);
        long parent = dir.equals("/") ? FuseAbi.ROOT_ID : nodes.peek(parent(dir));
        list.add(new Dirent(".", self != 0 ? self : UNKNOWN_INO, FileAttr.S_IFDIR));
        list.add(new Dirent("..", parent != 0 ? parent : UNKNOWN_INO, FileAttr.S_IFDIR));
        for (DirEntry e : entries) {
            String path = child(dir, e.name());
            long ino = e.type() != 0 ? nodes.node(path, e.type(), 0).id : nodes.peek(path);
            list.add(new Dirent(e.name(), ino != 0 ? ino : UNKNOWN_INO, e.type()));
        }
        return List.copyOf(list);
    }

    private static int statfs(ByteBuffer out, int at, StatFs s) {
        out.putLong(at, s.blocks()).putLong(at + 8, s.blocksFree()).putLong(at + 16, s.blocksAvailable())
                .putLong(at + 24, s.files()).putLong(at + 32, s.filesFree())
                .putInt(at + 40, s.blockSize()).putInt(at + 44, s.nameMax()).putInt(at + 48, s.blockSize());
        for (int i = 52; i < STATFS_OUT_SIZE; i += 4) {
            out.putInt(at + i, 0);
        }
        return STATFS_OUT_SIZE;
    }

    // ------------------------------------------------------------------ helpers

    private NodeTable.Node node(long nodeid) {
        NodeTable.Node n = nodes.get(nodeid);
        if (n == null) {
            throw new FsException(Errno.ESTALE, "node " + nodeid + " is not known");
        }
        return n;
    }

    private OpenFile file(long fh) {
        OpenFile f = files.get(fh);
        if (f == null) {
            throw new FsException(Errno.EBADF, "no open file " + fh);
        }
        return f;
    }

    /** The NUL-terminated name at {@code at}. */
    private static String name(ByteBuffer in, int at, int length) {
        int end = at;
        while (end < length && in.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        in.get(at, bytes);
        String name = new String(bytes, StandardCharsets.UTF_8);
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            throw new FsException(Errno.EINVAL, "bad name '" + name + "'");
        }
        return name;
    }

    static String child(String dir, String name) {
        if (name.equals(".")) {
            return dir;
        }
        if (name.equals("..")) {
            return parent(dir);
        }
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    /** One directory entry as sent: name bytes, inode number, type bits. */
    private static final class Dirent {
        final byte[] name;
        final long ino;
        final int type;

        Dirent(String name, long ino, int type) {
            this.name = name.getBytes(StandardCharsets.UTF_8);
            this.ino = ino;
            this.type = type;
        }
    }

    /** An open directory: its path and the listing taken at the last read from offset 0. */
    private static final class DirHandle {
        final String path;
        private List<Dirent> snapshot;

        DirHandle(String path) {
            this.path = path;
        }

        synchronized List<Dirent> listing(boolean fresh, java.util.function.Supplier<List<Dirent>> list) {
            if (fresh || snapshot == null) {
                snapshot = list.get();
            }
            return snapshot;
        }
    }

    /** The {@link Caller} of one request in flight. */
    private static final class RequestState implements Caller {
        private final int uid;
        private final int gid;
        private final int pid;
        private volatile boolean interrupted;

        RequestState(int uid, int gid, int pid) {
            this.uid = uid;
            this.gid = gid;
            this.pid = pid;
        }

        void interrupt() {
            interrupted = true;
        }

        @Override
        public int uid() {
            return uid;
        }

        @Override
        public int gid() {
            return gid;
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public boolean interrupted() {
            return interrupted;
        }
    }
}
