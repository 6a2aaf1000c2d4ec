// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client connection, from accept to close.
 *
 * <p>Three roles: the <b>reader</b> thread negotiates the handshake, then parses requests, rejects
 * invalid ones with an error reply, serves small ones itself ({@code inlineRequestBytes}: a 4 KiB
 * read or write costs less than the two thread handoffs of the pool path) and dispatches the others
 * to the server's worker pool; the <b>workers</b> run the device I/O and queue the reply; the
 * <b>writer</b> thread writes queued replies (batched in one write) in the order they complete.
 * The reader keeps its own replies until it has consumed every request the client has sent so far
 * (no complete header left in its buffer), then writes them in one batch: a pipelined burst of
 * requests costs one read and one write system call. The two writers of the socket take
 * {@code socketWrite} for each batch. Workers never touch the socket, so a client that stops
 * reading blocks only its own writer and reader (and through the budget no more than that).
 *
 * <p>Budget: every request takes a slot and its payload bytes (see
 * {@link CommandExecutor#budgetBytes}) from two semaphores before its payload is read, and gives
 * them back when its reply has been written; so at most {@code maxInFlightRequests} requests and
 * {@code maxInFlightBytes} bytes of payload are held per connection.
 *
 * <p>End: when the client disconnects (NBD_CMD_DISC, EOF, a broken stream) or the server shuts
 * down, the reader stops; requests already dispatched still run to completion (a write whose
 * payload was fully received reaches the device) and their replies are written if the socket still
 * works; then the writer closes the socket and the device opener. A write is acknowledged only
 * after the device call returned, so an acknowledged write is never lost.
 */
final class NbdConnection {
    private static final int OUTPUT_BUFFER = 256 * 1024;
    private final System.Logger log = System.getLogger(NbdConnection.class.getName());
    private final NbdServer server;
    private final SocketChannel channel;
    private final long id;
    private final ServerConfig config;
    private final CommandExecutor executor;
    private final Executor workers;
    private final Semaphore slots;
    private final Semaphore bytes;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Held while a batch of replies goes out (writer thread, or the reader for its inline replies). */
    private final ReentrantLock socketWrite = new ReentrantLock();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<Reply> queue = new ArrayDeque<>();
    private int pending;
    private boolean readerDone;
    private boolean shuttingDown;
    private boolean inTransmission;
    private boolean writerDone;
    private Session session;
    private volatile Future<?> handshakeTimer;

    NbdConnection(NbdServer server, SocketChannel channel, long id, ServerConfig config,
                  CommandExecutor executor, Executor workers) {
        this.server = server;
        this.channel = channel;
        this.id = id;
        this.config = config;
        this.executor = executor;
        this.workers = workers;
        this.slots = new Semaphore(config.maxInFlightRequests());
        this.bytes = new Semaphore(config.maxInFlightBytes());
    }

    long id() {
        return id;
    }

    /** Completes when the socket is closed and the device released. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    /** The timer that drops this connection if the handshake takes too long; cancelled when it ends. */
    void handshakeTimer(Future<?> timer) {
        this.handshakeTimer = timer;
    }

    private void cancelHandshakeTimer() {
        Future<?> t = handshakeTimer;
        if (t != null) {
            t.cancel(false);
        }
    }

    void start() {
        Thread t = new Thread(this::readerMain, "nbd-" + id + "-reader");
        t.setDaemon(true);
        t.start();
    }

    /** Whether the handshake is still going on (for the handshake timeout). */
    boolean inHandshake() {
        lock.lock();
        try {
            return !inTransmission && !closed.isDone();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Server shutdown: a connection still negotiating is closed at once; one in transmission gets
     * NBD_ESHUTDOWN for new requests, and closes when the requests in flight have been answered.
     */
    void shutdown() {
        lock.lock();
        try {
            shuttingDown = true;
            changed.signalAll();
            if (inTransmission) {
                return;
            }
        } finally {
            lock.unlock();
        }
        closeChannel();
    }

    /** Hard close, for a handshake timeout or a shutdown that ran out of time. */
    void abort() {
        closeChannel();
    }

    private void readerMain() {
        Session s = null;
        try {
            ChannelInput in = new ChannelInput(channel, 64 * 1024);
            s = new Handshake(in, channel, server.registry(), config).negotiate();
            cancelHandshakeTimer();
            if (s == null) {
                return;
            }
            lock.lock();
            try {
                if (shuttingDown) {
                    return;
                }
                inTransmission = true;
                session = s;
            } finally {
                lock.unlock();
            }
            try {
                Thread w = new Thread(this::writerMain, "nbd-" + id + "-writer");
                w.setDaemon(true);
                w.start();
            } catch (RuntimeException | Error e) { // e.g. no native thread left: end as if never in transmission
                lock.lock();
                try {
                    inTransmission = false;
                } finally {
                    lock.unlock();
                }
                throw e;
            }
            readLoop(in, s);
        } catch (ChannelInput.EndOfStream | ClosedChannelException e) {
            // client went away, or we closed the socket
        } catch (IOException e) {
            log.log(Level.DEBUG, () -> "nbd connection " + id + ": " + e.getMessage());
        } catch (RuntimeException | Error e) {
            log.log(Level.WARNING, "nbd connection " + id + ": reader failed", e);
        } finally {
            boolean transmission;
            lock.lock();
            try {
                readerDone = true;
                transmission = inTransmission;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (!transmission) {
                if (s != null && s.opener() != null) {
                    s.opener().close();
                }
                finish();
            }
        }
    }

    private void readLoop(ChannelInput in, Session s) throws IOException {
        InlineReplies inline = new InlineReplies();
        try {
            readRequests(in, s, inline);
        } finally {
            inline.flush(); // replies to requests that were served, even when the stream then broke
        }
    }

    private void readRequests(ChannelInput in, Session s, InlineReplies inline) throws IOException {
        while (true) {
            if (in.buffered() < REQUEST_HEADER_SIZE) {
                inline.flush(); // about to wait for the client: it must have its answers first
            }
            ByteBuffer h = in.read(REQUEST_HEADER_SIZE);
            int magic = h.getInt();
            if (magic != REQUEST_MAGIC) {
                log.log(Level.DEBUG, () -> "nbd connection " + id + ": bad request magic 0x" + Integer.toHexString(magic));
                return;
            }
            int flags = Short.toUnsignedInt(h.getShort());
            int type = Short.toUnsignedInt(h.getShort());
            long cookie = h.getLong();
            long offset = h.getLong();
            long length = Integer.toUnsignedLong(h.getInt());
            if (type == CMD_DISC) {
                return;
            }
            boolean payload = type == CMD_WRITE;
            if (payload && length > config.maximumPayload()) {
                // Not worth reading: answer, then hang up (the stream cannot be trusted to resync).
                slots.acquireUninterruptibly();
                enqueue(budgeted(CommandExecutor.error(s.structuredReplies(), cookie, NbdError.EINVAL,
                        "write of " + length + " bytes exceeds the maximum payload " + config.maximumPayload()), 0));
                return;
            }
            CommandExecutor.Invalid invalid = executor.validate(s, flags, type, offset, length);
            if (invalid == null && servedInline(type, length)) {
                ByteBuffer data = null;
                if (payload) {
                    data = inline.payload((int) length);
                    in.readFully(data);
                    data.flip();
                }
                Request r = new Request(flags, type, cookie, offset, length, data);
                lock.lock();
                try {
                    if (shuttingDown) {
                        queueLocked(budgeted(CommandExecutor.error(s.structuredReplies(), cookie, NbdError.ESHUTDOWN,
                                "the server is shutting down"), 0));
                        continue;
                    }
                    pending++;
                } finally {
                    lock.unlock();
                }
                inline.add(serve(s, r));
                continue;
            }
            int cost = invalid == null ? executor.budgetBytes(type, offset, length) : 0;
            slots.acquireUninterruptibly();
            bytes.acquireUninterruptibly(cost);
            ByteBuffer data = null;
            try {
                if (payload) {
                    if (invalid == null) {
                        data = ByteBuffer.allocate((int) length);
                        in.readFully(data);
                        data.flip();
                    } else {
                        in.skip(length);
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                bytes.release(cost);
                slots.release();
                throw e;
            }
            if (invalid != null) {
                enqueue(budgeted(CommandExecutor.error(s.structuredReplies(), cookie, invalid.error, invalid.message), cost));
                continue;
            }
            Request r = new Request(flags, type, cookie, offset, length, data);
            lock.lock();
            try {
                if (shuttingDown) {
                    queueLocked(budgeted(CommandExecutor.error(s.structuredReplies(), cookie, NbdError.ESHUTDOWN,
                            "the server is shutting down"), cost));
                    continue;
                }
                pending++;
            } finally {
                lock.unlock();
            }
            workers.execute(() -> work(s, r, cost));
        }
    }

    private static Reply budgeted(Reply r, int cost) {
        r.budgetBytes = cost;
        return r;
    }

    /** Whether a valid request is small enough to be served on the reader thread. */
    private boolean servedInline(int type, long length) {
        return type != CMD_BLOCK_STATUS && length <= config.inlineRequestBytes();
    }

    /** Runs a valid request on the device: its reply, an error reply when the device failed. */
    private Reply serve(Session s, Request r) {
        Reply reply = null;
        try {
            reply = executor.execute(s, r);
        } catch (Throwable t) {
            NbdError e = NbdError.of(t);
            if (e == NbdError.EIO && !(t instanceof io.jzram.kernel.ErrnoIOException)) {
                log.log(Level.WARNING, "nbd connection " + id + ": " + r + " failed", t);
            }
            try {
                reply = CommandExecutor.error(s, r, e, t.getMessage() == null ? t.toString() : t.getMessage());
            } catch (Throwable t2) {
                reply = CommandExecutor.simple(r.cookie(), NbdError.EIO.code());
            }
        }
        return reply != null ? reply : CommandExecutor.simple(r.cookie(), NbdError.EIO.code());
    }

    private void work(Session s, Request r, int cost) {
        Reply reply = null;
        try {
            reply = serve(s, r);
        } finally {
            if (reply == null) {
                reply = CommandExecutor.simple(r.cookie(), NbdError.EIO.code());
            }
            reply.budgetBytes = cost;
            lock.lock();
            try {
                pending--;
                queueLocked(reply);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void enqueue(Reply r) {
        lock.lock();
        try {
            queueLocked(r);
        } finally {
            lock.unlock();
        }
    }

    private void queueLocked(Reply r) {
        if (writerDone) {
            release(r);
        } else {
            queue.add(r);
            changed.signalAll();
        }
    }

    private void release(Reply r) {
        bytes.release(r.budgetBytes);
        slots.release();
    }

    private void writerMain() {
        List<Reply> batch = new ArrayList<>();
        // Replies are copied into one direct buffer: small ones coalesce into one system call, and
        // the JDK never needs a temporary direct copy of a (up to 32 MiB) heap buffer.
        ByteBuffer out = ByteBuffer.allocateDirect(OUTPUT_BUFFER);
        boolean broken = false;
        try {
            while (true) {
                lock.lock();
                try {
                    while (queue.isEmpty() && !(pending == 0 && (readerDone || shuttingDown))) {
                        changed.awaitUninterruptibly();
                    }
                    if (queue.isEmpty()) {
                        writerDone = true;
                        break;
                    }
                    batch.addAll(queue);
                    queue.clear();
                } finally {
                    lock.unlock();
                }
                if (!broken) {
                    try {
                        send(batch, out);
                    } catch (IOException e) {
                        broken = true; // client gone: keep draining so the workers finish, then close
                        closeChannel();
                    }
                }
                for (Reply r : batch) {
                    release(r);
                }
                batch.clear();
            }
        } catch (RuntimeException | Error e) {
            log.log(Level.WARNING, "nbd connection " + id + ": writer failed", e);
            lock.lock();
            try {
                writerDone = true;
                for (Reply r : queue) {
                    release(r);
                }
                queue.clear();
            } finally {
                lock.unlock();
            }
        } finally {
            closeChannel();
            // The device stays open until every request that touched it has completed.
            lock.lock();
            try {
                while (pending > 0) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            Session s = session;
            if (s != null) {
                s.opener().close();
            }
            finish();
        }
    }

    /** Writes replies through the direct buffer out, as one batch on the socket. */
    private void send(List<Reply> replies, ByteBuffer out) throws IOException {
        socketWrite.lock();
        try {
            for (Reply r : replies) {
                for (ByteBuffer b : r.buffers) {
                    while (b.hasRemaining()) {
                        if (!out.hasRemaining()) {
                            flush(out);
                        }
                        int n = Math.min(out.remaining(), b.remaining());
                        ByteBuffer part = b.slice();
                        part.limit(n);
                        out.put(part);
                        b.position(b.position() + n);
                    }
                }
            }
            flush(out);
        } finally {
            out.clear();
            socketWrite.unlock();
        }
    }

    /**
     * The reader's replies to the requests it served itself, not yet written; each counts in
     * {@code pending} until it has been written (or the socket has failed), so the writer does not
     * close the connection under them.
     */
    private final class InlineReplies {
        private final List<Reply> replies = new ArrayList<>();
        private ByteBuffer out;
        private ByteBuffer payload;

        /** A buffer for a write's payload, reused: the device has copied it when the request returns. */
        ByteBuffer payload(int length) {
            if (payload == null || payload.capacity() < length) {
                payload = ByteBuffer.allocate(Math.max(length, 4096));
            }
            payload.clear().limit(length);
            return payload;
        }

        void add(Reply r) throws IOException {
            replies.add(r);
            if (replies.size() >= 256) {
                flush();
            }
        }

        void flush() throws IOException {
            if (replies.isEmpty()) {
                return;
            }
            try {
                if (out == null) {
                    out = ByteBuffer.allocateDirect(OUTPUT_BUFFER);
                }
                send(replies, out);
            } catch (IOException e) {
                closeChannel(); // the client is gone: the reader stops, the writer drains the rest
                throw e;
            } finally {
                int n = replies.size();
                replies.clear();
                lock.lock();
                try {
                    pending -= n;
                    if (pending == 0 && (readerDone || shuttingDown || writerDone)) {
                        changed.signalAll(); // only then has the writer anything to do with it
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private void flush(ByteBuffer out) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        out.clear();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private void finish() {
        cancelHandshakeTimer();
        closeChannel();
        server.connectionClosed(this);
        closed.complete(null);
    }

    @Override
    public String toString() {
        return "nbd connection " + id;
    }
}
