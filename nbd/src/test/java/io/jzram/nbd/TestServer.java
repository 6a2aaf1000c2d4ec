// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** A server on a Unix socket in a temporary directory, with one in-memory device "mem0" of 64 MiB. */
final class TestServer implements AutoCloseable {
    static final long SIZE = 64L << 20;

    final MemoryBlockDevice device;
    final SimpleExportRegistry registry;
    final NbdServer server;
    final Path socket;

    TestServer(Path dir) throws IOException {
        this(dir, UnaryOperator.identity());
    }

    TestServer(Path dir, UnaryOperator<NbdServer.Builder> config) throws IOException {
        device = new MemoryBlockDevice("mem0", SIZE);
        registry = SimpleExportRegistry.of(new Export("mem0", "in-memory test device", device, false));
        socket = dir.resolve("nbd.sock");
        server = config.apply(NbdServer.builder(registry).unixSocket(socket).closeTimeout(Duration.ofSeconds(10))).start();
    }

    SocketAddress address() {
        return UnixDomainSocketAddress.of(socket);
    }

    NbdTestClient client(boolean structured) throws IOException {
        return NbdTestClient.open(address(), "mem0", structured);
    }

    /** Waits until the server has no connection left. */
    boolean awaitNoConnections(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (server.connectionCount() > 0) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    @Override
    public void close() {
        server.close();
    }
}
