// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed streams: the server must answer with an error or close the session, never hang a
 * thread, lose an acknowledged write or die. The fuzz cases are seeded, so a failure replays.
 */
@Timeout(30)
class MalformedInputTest {
    private static final int PAGE = 4096;
    private static final long HALF = TestServer.SIZE / 2;

    @TempDir
    Path dir;
    TestServer ts;

    @BeforeEach
    void start() throws IOException {
        ts = new TestServer(dir, b -> b.handshakeTimeout(java.time.Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 32);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void fuzzedStreamsDoNotHurtTheServer(long seed) throws Exception {
        Random rnd = new Random(seed);
        // An acknowledged write in the lower half, which the fuzzer never addresses validly.
        byte[] pattern = new byte[3 * PAGE + 5];
        rnd.nextBytes(pattern);
        long at = rnd.nextInt((int) (HALF - pattern.length));
        try (NbdTestClient good = ts.client(rnd.nextBoolean())) {
            good.writeData(at, pattern, 0);

            NbdTestClient bad = NbdTestClient.connect(ts.address());
            Thread drainer = new Thread(bad::closedByServer, "fuzz-drainer");
            drainer.setDaemon(true);
            try {
                fuzz(bad, rnd, drainer);
            } catch (IOException expected) {
                // the server hung up on us: fine
            } finally {
                bad.close();
            }
            drainer.join(5000);
            assertThat(drainer.isAlive()).isFalse();

            // The server is alive: existing and new connections work, the acknowledged write is intact.
            assertThat(good.readData(at, pattern.length)).isEqualTo(pattern);
            try (NbdTestClient fresh = ts.client(true)) {
                assertThat(fresh.readData(at, pattern.length)).isEqualTo(pattern);
            }
            ByteBuffer direct = ByteBuffer.allocate(pattern.length);
            ts.device.read(at, direct);
            assertThat(direct.array()).isEqualTo(pattern);
            good.disconnect();
        }
        assertThat(ts.awaitNoConnections(5000)).as("connections drain").isTrue();
        assertThat(ts.device.awaitClosed(5000)).as("device released").isTrue();
    }

    private void fuzz(NbdTestClient c, Random rnd, Thread drainer) throws IOException {
        c.greeting();
        int mode = rnd.nextInt(8);
        if (mode == 0) { // garbage instead of client flags / options
            c.send(randomBytes(rnd, 1 + rnd.nextInt(200)));
            drainer.start();
            return;
        }
        c.clientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        if (mode == 1) { // valid option header, garbage data, then garbage
            c.sendOption(rnd.nextInt(12), randomBytes(rnd, rnd.nextInt(300)));
            c.send(randomBytes(rnd, rnd.nextInt(300)));
            drainer.start();
            return;
        }
        boolean structured = rnd.nextBoolean();
        if (structured) {
            c.expectAck(c.option(OPT_STRUCTURED_REPLY, new byte[0]));
            c.setMetaContext("mem0", CONTEXT_BASE_ALLOCATION);
        }
        c.go("mem0");
        drainer.start(); // from now on replies are read (and dropped) by the drainer
        int pieces = 1 + rnd.nextInt(40);
        for (int i = 0; i < pieces; i++) {
            int kind = rnd.nextInt(10);
            switch (kind) {
                case 0: // random bytes
                    c.send(randomBytes(rnd, 1 + rnd.nextInt(64)));
                    break;
                case 1: // bad magic, otherwise plausible
                    c.sendRaw(rnd.nextInt(), 0, CMD_READ, i, HALF, PAGE, null);
                    break;
                case 2: { // huge lengths
                    int type = rnd.nextBoolean() ? CMD_WRITE : rnd.nextInt(8);
                    long len = rnd.nextBoolean() ? 0xFFFFFFFFL : (32L << 20) + 1 + rnd.nextInt(1 << 20);
                    c.sendRaw(REQUEST_MAGIC, 0, type, i, HALF + rnd.nextInt(PAGE), len, null);
                    break;
                }
                case 3: { // unknown command or flags
                    c.sendRaw(REQUEST_MAGIC, rnd.nextInt(1 << 16), 8 + rnd.nextInt(1 << 15), i, rnd.nextLong(), rnd.nextInt(1 << 16), null);
                    break;
                }
                case 4: { // truncated header, then the stream ends
                    ByteBuffer h = ByteBuffer.allocate(REQUEST_HEADER_SIZE);
                    h.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_WRITE).putLong(i).putLong(HALF).putInt(PAGE);
                    c.send(ByteBuffer.wrap(h.array(), 0, 1 + rnd.nextInt(REQUEST_HEADER_SIZE - 1)));
                    return;
                }
                case 5: { // write whose payload is cut short
                    int len = 1 + rnd.nextInt(64 * 1024);
                    c.sendRaw(REQUEST_MAGIC, 0, CMD_WRITE, i, HALF + rnd.nextInt(1 << 20), len, null);
                    c.send(randomBytes(rnd, rnd.nextInt(len)));
                    return;
                }
                case 6: // out-of-range requests
                    c.sendRaw(REQUEST_MAGIC, 0, rnd.nextInt(8), i, TestServer.SIZE - rnd.nextInt(PAGE), 2 * PAGE,
                            null);
                    break;
                default: { // a valid request in the upper half
                    int type = new int[] {CMD_READ, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES, CMD_CACHE, CMD_BLOCK_STATUS}[rnd.nextInt(7)];
                    int len = rnd.nextInt(3 * PAGE);
                    long off = HALF + rnd.nextInt((int) (HALF - 4 * PAGE));
                    c.sendRaw(REQUEST_MAGIC, rnd.nextBoolean() ? CMD_FLAG_FUA : 0, type, i, off, len,
                            type == CMD_WRITE ? randomBytes(rnd, len) : null);
                    break;
                }
            }
        }
        if (rnd.nextBoolean()) {
            c.sendRaw(REQUEST_MAGIC, 0, CMD_DISC, 0, 0, 0, null);
        }
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void aClientThatDisconnectsInTheMiddleOfAWriteChangesNothing() throws Exception {
        byte[] before = new byte[64 * 1024];
        try (NbdTestClient c = ts.client(false)) {
            java.util.Arrays.fill(before, (byte) 0x5a);
            c.writeData(0, before, 0);
            c.sendRaw(REQUEST_MAGIC, 0, CMD_WRITE, 99, 0, before.length, null);
            c.send(new byte[1000]);
        }
        assertThat(ts.awaitNoConnections(5000)).isTrue();
        ByteBuffer b = ByteBuffer.allocate(before.length);
        ts.device.read(0, b);
        assertThat(b.array()).isEqualTo(before);
        assertThat(ts.device.openers()).isZero();
    }

    @Test
    void aClientThatVanishesWithRequestsInFlightReleasesEverything() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ts.device.hook((op, offset) -> {
            try {
                release.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (NbdTestClient c = ts.client(true)) {
            for (int i = 0; i < 8; i++) {
                c.send(0, CMD_WRITE, (long) i * PAGE, PAGE, new byte[PAGE]);
                c.send(0, CMD_READ, (long) i * PAGE, 32 << 20, null);
            }
        }
        release.countDown();
        assertThat(ts.awaitNoConnections(5000)).isTrue();
        assertThat(ts.device.awaitClosed(5000)).isTrue();
        ts.device.hook(null);
        try (NbdTestClient c = ts.client(false)) {
            assertThat(c.readData(0, 4)).hasSize(4);
        }
    }

    @Test
    void anIdleClientIsDroppedWhenTheHandshakeTimesOut() throws Exception {
        ts.close();
        ts = new TestServer(dir.resolve("t").toFile().mkdir() ? dir.resolve("t") : dir,
                b -> b.handshakeTimeout(java.time.Duration.ofMillis(1000)));
        try (NbdTestClient c = NbdTestClient.connect(ts.address())) {
            c.greeting();
            long t0 = System.nanoTime();
            assertThat(c.closedByServer()).isTrue();
            assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
        }
        // a client in transmission is not subject to it
        try (NbdTestClient c = ts.client(false)) {
            Thread.sleep(1200);
            assertThat(c.readData(0, 1)).hasSize(1);
        }
    }
}
