// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ConcurrencyTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;
    TestServer ts;

    @AfterEach
    void stop() {
        if (ts != null) {
            ts.close();
        }
    }

    @Test
    void aLargeRequestOnThePoolIsOvertakenByTheSmallOnesServedInline() throws Exception {
        ts = new TestServer(dir); // default: up to 64 KiB served on the reader thread
        answersOutOfOrderWhileOneReadStalls(1 << 20);
    }

    @Test
    void withoutInlineServiceEvenSmallRequestsAreAnsweredOutOfOrder() throws Exception {
        ts = new TestServer(dir, b -> b.inlineRequestBytes(0));
        answersOutOfOrderWhileOneReadStalls(PAGE);
    }

    /** A read of slowLength at offset 0 stalls in the device; a write, a read and a flush sent after it are answered first. */
    private void answersOutOfOrderWhileOneReadStalls(int slowLength) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        ts.device.hook((op, offset) -> {
            if (op.equals("read") && offset == 0) {
                stalled.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try (NbdTestClient c = ts.client(true)) {
            long slow = c.send(0, CMD_READ, 0, slowLength, null);
            assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
            long w = c.send(0, CMD_WRITE, 2L << 20, 3, new byte[] {1, 2, 3});
            long r = c.send(0, CMD_READ, (2L << 20) + 2 * PAGE, 10, null);
            long f = c.send(0, CMD_FLUSH, 0, 0, null);
            List<Long> order = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                NbdTestClient.Reply reply = c.readReply();
                assertThat(reply.error).isZero();
                order.add(reply.cookie);
            }
            assertThat(order).containsExactlyInAnyOrder(w, r, f).doesNotContain(slow);
            release.countDown();
            NbdTestClient.Reply last = c.readReply();
            assertThat(last.cookie).isEqualTo(slow);
            assertThat(last.error).isZero();
        } finally {
            release.countDown();
        }
    }

    @Test
    void manyConnectionsOverUnixAndTcpWithPipelinedRequests() throws Exception {
        ts = new TestServer(dir, b -> b.tcpLoopback(0));
        InetSocketAddress tcp = ts.server.tcpAddress().orElseThrow();
        assertThat(tcp.getAddress().isLoopbackAddress()).isTrue();
        int clients = 24;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                SocketAddress address = i % 3 == 0 ? tcp : ts.address();
                results.add(pool.submit(() -> {
                    exercise(address, id);
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(25, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ts.awaitNoConnections(5000)).isTrue();
    }

    /** One client: 16 pipelined writes of its own region, then pipelined reads, verified. */
    private void exercise(SocketAddress address, int id) throws IOException {
        Random rnd = new Random(id);
        long base = (long) id * (1 << 20);
        try (NbdTestClient c = NbdTestClient.open(address, "mem0", id % 2 == 0)) {
            Map<Long, byte[]> written = new HashMap<>();
            Map<Long, Long> cookies = new HashMap<>();
            for (int k = 0; k < 16; k++) {
                int len = 1 + rnd.nextInt(3 * PAGE);
                long off = base + (long) k * 3 * PAGE + rnd.nextInt(100);
                byte[] d = new byte[len];
                rnd.nextBytes(d);
                written.put(off, d);
                c.send(k % 4 == 0 ? CMD_FLAG_FUA : 0, CMD_WRITE, off, len, d);
            }
            for (int k = 0; k < 16; k++) {
                assertThat(c.readReply().error).isZero();
            }
            for (Map.Entry<Long, byte[]> e : written.entrySet()) {
                cookies.put(c.send(0, CMD_READ, e.getKey(), e.getValue().length, null), e.getKey());
            }
            for (int k = 0; k < written.size(); k++) {
                NbdTestClient.Reply r = c.readReply();
                assertThat(r.error).isZero();
                assertThat(r.data).isEqualTo(written.get(cookies.get(r.cookie)));
            }
            c.disconnect();
        }
    }

    @Test
    void aFlushOnOneConnectionCoversWritesOfAnother() throws Exception {
        ts = new TestServer(dir);
        try (NbdTestClient a = ts.client(false); NbdTestClient b = ts.client(true)) {
            byte[] d = {5, 6, 7, 8};
            a.writeData(999, d, 0);
            assertThat(b.call(0, CMD_FLUSH, 0, 0, null).error).isZero();
            assertThat(b.readData(999, 4)).isEqualTo(d);
        }
    }

    @Test
    void aSmallBudgetStillServesADeepPipeline() throws Exception {
        ts = new TestServer(dir, b -> b.connectionBudget(4, 96 * 1024).maximumPayload(64 * 1024).workerThreads(2));
        try (NbdTestClient c = ts.client(false)) {
            int n = 200;
            int len = 32 * 1024;
            // A sender that never waits: the server must throttle it (budget of 4 requests / 96 KiB), not buffer.
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        byte[] d = new byte[len];
                        java.util.Arrays.fill(d, (byte) i);
                        c.sendRaw(REQUEST_MAGIC, 0, CMD_WRITE, 1000 + i, (long) i * len, len, d);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            sender.setDaemon(true);
            sender.start();
            java.util.Set<Long> cookies = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                java.nio.ByteBuffer r = c.read(16);
                assertThat(r.getInt()).isEqualTo(SIMPLE_REPLY_MAGIC);
                assertThat(r.getInt()).isZero();
                cookies.add(r.getLong());
            }
            assertThat(cookies).hasSize(n);
            sender.join(10000);
            assertThat(c.readData((long) (n - 1) * len, 1)).containsExactly((byte) (n - 1));
        }
    }
}
