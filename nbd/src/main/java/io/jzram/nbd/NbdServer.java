// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NBD server (fixed newstyle, proto.md) for the exports of an {@link ExportRegistry}, listening
 * on a Unix domain socket and/or a TCP address (127.0.0.1 unless another address is given
 * explicitly).
 *
 * <p>Threads: one acceptor per listener; per connection a reader and a writer thread (see
 * {@link NbdConnection}); one bounded pool of worker threads shared by all connections for the
 * device I/O; one timer thread for handshake timeouts. All threads are daemons and belong to this
 * instance: several servers can run in one JVM.
 *
 * <p>{@link #shutdown(Duration)} stops accepting, closes connections still negotiating, answers
 * requests that arrive from then on with NBD_ESHUTDOWN, lets requests already in flight finish and
 * their replies go out, and closes the connections; whatever is still open when the timeout ends is
 * closed hard. The Unix socket file is removed.
 */
public final class NbdServer implements AutoCloseable {
    private final System.Logger log = System.getLogger(NbdServer.class.getName());
    private final ExportRegistry registry;
    private final ServerConfig config;
    private final CommandExecutor executor;
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Path unixSocket;
    private final InetSocketAddress tcpAddress;
    private final Duration closeTimeout;
    private boolean closing; // guarded by connections' monitor

    private NbdServer(Builder b) throws IOException {
        this.registry = b.registry;
        this.config = new ServerConfig(b.minimumBlockSize, b.maximumPayload, b.maxInFlightRequests,
                b.maxInFlightBytes, b.workerThreads, b.handshakeTimeout, b.maxConnections, b.maxBlockStatusExtents,
                b.inlineRequestBytes);
        this.executor = new CommandExecutor(config);
        this.closeTimeout = b.closeTimeout;
        this.workers = new ThreadPoolExecutor(b.workerThreads, b.workerThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemons("nbd-worker-"), (task, pool) -> task.run());
        workers.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, daemons("nbd-timer-"));
        timer.setRemoveOnCancelPolicy(true);
        try {
            Path unix = null;
            InetSocketAddress tcp = null;
            if (b.unixSocket != null) {
                unix = b.unixSocket.toAbsolutePath();
                listeners.add(bindUnix(unix));
            }
            if (b.tcpAddress != null) {
                ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
                listeners.add(ch);
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(b.tcpAddress, 128);
                tcp = (InetSocketAddress) ch.getLocalAddress();
            }
            this.unixSocket = unix;
            this.tcpAddress = tcp;
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel ch : listeners) {
                ch.close();
            }
            if (b.unixSocket != null && listeners.size() > 0) {
                Files.deleteIfExists(b.unixSocket.toAbsolutePath());
            }
            workers.shutdown();
            timer.shutdown();
            throw e;
        }
        for (ServerSocketChannel ch : listeners) {
            Thread t = new Thread(() -> acceptLoop(ch), "nbd-accept-" + acceptors.size());
            t.setDaemon(true);
            acceptors.add(t);
            t.start();
        }
    }

    /** A builder for a server of the registry's exports. */
    public static Builder builder(ExportRegistry registry) {
        return new Builder(registry);
    }

    /** The Unix socket the server listens on, if any. */
    public Optional<Path> unixSocket() {
        return Optional.ofNullable(unixSocket);
    }

    /** The TCP address the server listens on (with the actual port when 0 was asked), if any. */
    public Optional<InetSocketAddress> tcpAddress() {
        return Optional.ofNullable(tcpAddress);
    }

    /** Connections currently open (negotiating or in transmission). */
    public int connectionCount() {
        return connections.size();
    }

    ExportRegistry registry() {
        return registry;
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private ServerSocketChannel bindUnix(Path path) throws IOException {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path)) {
                throw new BindException(path + " exists and is not a socket");
            }
            boolean live;
            try {
                SocketChannel.open(address).close();
                live = true;
            } catch (IOException e) {
                live = false;
            }
            if (live) {
                throw new BindException(path + " is in use by a running server");
            }
            Files.delete(path); // a stale socket of a server that died
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(address, 128);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    private void acceptLoop(ServerSocketChannel listener) {
        while (true) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                log.log(Level.WARNING, "nbd accept failed: " + e.getMessage());
                try {
                    Thread.sleep(100); // e.g. EMFILE: do not spin
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            NbdConnection conn;
            synchronized (connections) {
                if (closing || connections.size() >= config.maxConnections()) {
                    conn = null;
                } else {
                    conn = new NbdConnection(this, ch, nextId.getAndIncrement(), config, executor, workers);
                    connections.add(conn);
                }
            }
            if (conn == null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // refused anyway
                }
                continue;
            }
            try {
                if (ch.getRemoteAddress() instanceof InetSocketAddress) {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
            } catch (IOException ignored) {
                // the connection will fail on its own
            }
            if (!config.handshakeTimeout().isZero()) {
                conn.handshakeTimer(timer.schedule(() -> {
                    if (conn.inHandshake()) {
                        log.log(Level.DEBUG, () -> conn + ": handshake timed out");
                        conn.abort();
                    }
                }, config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS));
            }
            try {
                conn.start();
            } catch (RuntimeException | Error e) { // e.g. no native thread left: refuse this one, keep accepting
                log.log(Level.WARNING, "nbd: cannot start a connection: " + e);
                conn.abort();
                connectionClosed(conn);
            }
        }
    }

    void connectionClosed(NbdConnection conn) {
        connections.remove(conn);
    }

    /**
     * Shuts down cleanly (see the class comment), waiting up to {@code timeout} for connections to
     * finish their requests in flight. Returns true if all finished in time. Idempotent.
     */
    public boolean shutdown(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NbdConnection> open;
        synchronized (connections) {
            closing = true;
            open = new ArrayList<>(connections);
        }
        for (ServerSocketChannel ch : listeners) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (Thread t : acceptors) {
            joinQuietly(t, deadline);
        }
        if (unixSocket != null) {
            try {
                Files.deleteIfExists(unixSocket);
            } catch (IOException e) {
                log.log(Level.WARNING, "cannot remove " + unixSocket + ": " + e.getMessage());
            }
        }
        synchronized (connections) {
            open = new ArrayList<>(connections);
        }
        for (NbdConnection c : open) {
            c.shutdown();
        }
        boolean clean = true;
        for (NbdConnection c : open) {
            if (!await(c.closed(), deadline)) {
                clean = false;
                c.abort();
            }
        }
        for (NbdConnection c : open) {
            await(c.closed(), System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        }
        workers.shutdown();
        timer.shutdownNow();
        try {
            workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return clean;
    }

    /** {@link #shutdown(Duration)} with the builder's close timeout (30 s unless set). */
    @Override
    public void close() {
        shutdown(closeTimeout);
    }

    private static boolean await(CompletableFuture<Void> f, long deadline) {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return f.isDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return f.isDone();
        }
    }

    private static void joinQuietly(Thread t, long deadline) {
        try {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Configuration of a server. Defaults: no listener (set at least one), minimum block size 1,
     * maximum payload 32 MiB, per connection at most 128 requests and 64 MiB + 1 MiB of payload in
     * flight, workers = 2 x CPUs (4..32), requests up to 64 KiB served inline on the reader thread,
     * handshake timeout 30 s, 1024 connections, close timeout 30 s.
     */
    public static final class Builder {
        private final ExportRegistry registry;
        private Path unixSocket;
        private InetSocketAddress tcpAddress;
        private int minimumBlockSize = 1;
        private int maximumPayload = NbdProtocol.MAX_PAYLOAD;
        private int maxInFlightRequests = 128;
        private int maxInFlightBytes = 2 * NbdProtocol.MAX_PAYLOAD + (1 << 20);
        private int workerThreads = Math.max(4, Math.min(32, 2 * Runtime.getRuntime().availableProcessors()));
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private int maxConnections = 1024;
        private int maxBlockStatusExtents = 1 << 16;
        private int inlineRequestBytes = 64 * 1024;
        private Duration closeTimeout = Duration.ofSeconds(30);

        private Builder(ExportRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Listen on a Unix domain socket at this path (a stale socket file is replaced). */
        public Builder unixSocket(Path path) {
            this.unixSocket = Objects.requireNonNull(path);
            return this;
        }

        /** Listen on 127.0.0.1 at this port (0: any free port, see {@link NbdServer#tcpAddress()}). */
        public Builder tcpLoopback(int port) {
            return tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        /** Listen on an explicit TCP address; use this (e.g. 0.0.0.0) only when asked to. */
        public Builder tcp(InetSocketAddress address) {
            this.tcpAddress = Objects.requireNonNull(address);
            return this;
        }

        /** Minimum block size to advertise and enforce: 1 (default, any alignment), or a power of 2 up to 4096. */
        public Builder minimumBlockSize(int size) {
            if (size < 1 || size > 4096 || Integer.bitCount(size) != 1) {
                throw new IllegalArgumentException("minimum block size must be a power of 2 in 1..4096: " + size);
            }
            this.minimumBlockSize = size;
            return this;
        }

        /** Largest READ/WRITE payload accepted and advertised, 4096..32 MiB. */
        public Builder maximumPayload(int bytes) {
            if (bytes < 4096 || bytes > NbdProtocol.MAX_PAYLOAD) {
                throw new IllegalArgumentException("maximum payload must be in 4096..33554432: " + bytes);
            }
            this.maximumPayload = bytes;
            return this;
        }

        /** Per-connection budget: requests and payload bytes in flight (bytes at least the maximum payload). */
        public Builder connectionBudget(int requests, int bytes) {
            if (requests < 1 || bytes < 1) {
                throw new IllegalArgumentException("budget must be positive");
            }
            this.maxInFlightRequests = requests;
            this.maxInFlightBytes = bytes;
            return this;
        }

        /** Threads of the shared worker pool. */
        public Builder workerThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("worker threads: " + n);
            }
            this.workerThreads = n;
            return this;
        }

        /**
         * Requests whose data (READ/WRITE length; 0 for the other commands but BLOCK_STATUS) is at
         * most this many bytes are served on the connection's reader thread, their replies written
         * by it in one batch per burst of requests; larger ones go to the worker pool and may be
         * answered out of order. 0: every request goes to the pool (BLOCK_STATUS always does).
         */
        public Builder inlineRequestBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("inline request bytes: " + bytes);
            }
            this.inlineRequestBytes = bytes;
            return this;
        }

        /** How long a client may take from connect to transmission; zero for no limit. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Connections open at once; more are accepted and closed at once. */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max connections: " + n);
            }
            this.maxConnections = n;
            return this;
        }

        /** Timeout of {@link NbdServer#close()}. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Binds the listeners and starts accepting. */
        public NbdServer start() throws IOException {
            if (unixSocket == null && tcpAddress == null) {
                throw new IllegalStateException("no listener: set unixSocket(...) and/or tcpLoopback(...)");
            }
            if (maxInFlightBytes < maximumPayload) {
                throw new IllegalStateException("connection budget " + maxInFlightBytes
                        + " bytes is smaller than the maximum payload " + maximumPayload);
            }
            return new NbdServer(this);
        }
    }
}
