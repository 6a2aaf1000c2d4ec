// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ShutdownTest {
    private static final int PAGE = 4096;
    private static final Pattern CONNECTION_THREAD = Pattern.compile("nbd-\\d+-(reader|writer)");

    @TempDir
    Path dir;

    @Test
    void shutdownFinishesRequestsInFlightThenCloses() throws Exception {
        // 4 stalled writes on the pool (none served inline) leave workers free
        TestServer ts = new TestServer(dir, b -> b.workerThreads(8).inlineRequestBytes(0));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(4);
        stallWrites(ts, started, release);
        NbdTestClient c = ts.client(true);
        NbdTestClient negotiating = NbdTestClient.connect(ts.address());
        negotiating.greeting();
        byte[][] data = new byte[4][PAGE];
        for (int i = 0; i < 4; i++) {
            java.util.Arrays.fill(data[i], (byte) (i + 1));
            c.send(CMD_FLAG_FUA, CMD_WRITE, (long) i * PAGE, PAGE, data[i]);
        }
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> ts.server.shutdown(Duration.ofSeconds(10)));
        // a connection still negotiating is closed at once; new connections are refused
        assertThat(negotiating.closedByServer()).isTrue();
        negotiating.close();
        long deadline = System.currentTimeMillis() + 5000;
        while (Files.exists(ts.socket) && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ts.socket).doesNotExist();
        assertThatThrownBy(() -> SocketChannel.open(ts.address())).isInstanceOf(IOException.class);
        // requests arriving once the connection knows about the shutdown are refused with ESHUTDOWN
        // (reads are not stalled: poll until the refusal shows; the stalled writes keep it open)
        int lateError = 0;
        long until = System.currentTimeMillis() + 5000;
        while (lateError == 0 && System.currentTimeMillis() < until) {
            lateError = c.call(0, CMD_READ, 0, 1, null).error;
        }
        assertThat(lateError).isEqualTo(NbdError.ESHUTDOWN.code());
        assertThat(shutdown).isNotDone();
        release.countDown();
        for (int i = 0; i < 4; i++) {
            assertThat(c.readReply().error).isZero();
        }
        assertThat(c.closedByServer()).isTrue();
        c.close();
        assertThat(shutdown.get(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 4; i++) {
            ByteBuffer b = ByteBuffer.allocate(PAGE);
            ts.device.read((long) i * PAGE, b);
            assertThat(b.array()).isEqualTo(data[i]);
        }
        assertThat(ts.device.openers()).isZero();
        assertThat(ts.server.connectionCount()).isZero();
        assertThat(connectionThreads()).isZero();
    }

    @Test
    void shutdownWaitsForAWriteServedInlineAndAcknowledgesIt() throws Exception {
        TestServer ts = new TestServer(dir); // a 4 KiB write is served on the reader thread
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        stallWrites(ts, started, release);
        NbdTestClient c = ts.client(false);
        byte[] data = new byte[PAGE];
        java.util.Arrays.fill(data, (byte) 7);
        c.send(0, CMD_WRITE, PAGE, PAGE, data);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> ts.server.shutdown(Duration.ofSeconds(10)));
        Thread.sleep(200);
        assertThat(shutdown).isNotDone(); // the write is in flight: the connection stays
        release.countDown();
        assertThat(c.readReply().error).isZero();
        assertThat(c.closedByServer()).isTrue();
        c.close();
        assertThat(shutdown.get(10, TimeUnit.SECONDS)).isTrue();
        ByteBuffer b = ByteBuffer.allocate(PAGE);
        ts.device.read(PAGE, b);
        assertThat(b.array()).isEqualTo(data);
        assertThat(ts.device.openers()).isZero();
        assertThat(connectionThreads()).isZero();
    }

    @Test
    void shutdownGivesUpOnAClientThatDoesNotReadButStillEnds() throws Exception {
        TestServer ts = new TestServer(dir);
        NbdTestClient c = ts.client(false);
        // 64 MiB of read replies that the client never reads: the writer blocks on the socket
        for (int i = 0; i < 4; i++) {
            c.send(0, CMD_READ, 0, 16 << 20, null);
        }
        Thread.sleep(200);
        long t0 = System.nanoTime();
        boolean clean = ts.server.shutdown(Duration.ofMillis(500));
        assertThat(clean).isFalse();
        assertThat(System.nanoTime() - t0).isLessThan(8_000_000_000L);
        assertThat(ts.server.connectionCount()).isZero();
        assertThat(ts.device.openers()).isZero();
        c.close();
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveServerIsNot() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(sock));
        }
        assertThat(sock).exists(); // closing does not unlink it
        try (TestServer ts = new TestServer(dir)) {
            try (NbdTestClient c = ts.client(false)) {
                assertThat(c.readData(0, 1)).hasSize(1);
            }
            assertThatThrownBy(() -> NbdServer.builder(ts.registry).unixSocket(sock).start())
                    .isInstanceOf(BindException.class).hasMessageContaining("in use");
        }
        assertThat(sock).doesNotExist();
        Files.writeString(sock, "not a socket");
        assertThatThrownBy(() -> NbdServer.builder(new SimpleExportRegistry()).unixSocket(sock).start())
                .isInstanceOf(BindException.class).hasMessageContaining("not a socket");
    }

    @Test
    void tcpListensOnLoopbackOnlyByDefault() throws Exception {
        try (NbdServer s = NbdServer.builder(new SimpleExportRegistry()).tcpLoopback(0).start()) {
            assertThat(s.tcpAddress().orElseThrow().getAddress().isLoopbackAddress()).isTrue();
            assertThat(s.unixSocket()).isEmpty();
        }
        assertThatThrownBy(() -> NbdServer.builder(new SimpleExportRegistry()).start())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingTwiceIsHarmlessAndNoThreadIsLeft() throws Exception {
        TestServer ts = new TestServer(dir);
        for (int i = 0; i < 5; i++) {
            NbdTestClient c = ts.client(i % 2 == 0);
            c.writeData(i, new byte[] {1}, 0);
            if (i % 2 == 0) {
                c.close(); // abrupt
            }
        }
        ts.close();
        ts.close();
        assertThat(ts.server.connectionCount()).isZero();
        assertThat(connectionThreads()).isZero();
    }

    /** Every device write counts down started, then waits (up to 10 s) for release. */
    private static void stallWrites(TestServer ts, CountDownLatch started, CountDownLatch release) {
        ts.device.hook((op, offset) -> {
            if (op.equals("write")) {
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private static long connectionThreads() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        long n;
        do {
            n = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && CONNECTION_THREAD.matcher(t.getName()).matches()).count();
            if (n == 0) {
                return 0;
            }
            Thread.sleep(10);
        } while (System.currentTimeMillis() < deadline);
        return n;
    }
}
