// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Fuzzes the NBD server with whole client streams: the input is what a client sends on one
 * connection (client flags, options, requests with their payloads), sent on a Unix socket, then
 * the client half-closes and reads everything the server says until it hangs up. The server must
 * hang up within 5 s (never hang), log no failure of its own (nothing thrown out of its loops), be
 * left with no connection, and every byte it sent must be protocol-valid: the greeting, option
 * replies to the options in order with known reply types and UTF-8 error messages, the export
 * information, then one reply (simple, or structured chunks up to DONE) with a valid NBD error for
 * each request the server read, cookies matching, read data of the requested length.
 *
 * <p>Regression mode runs {@code NbdFuzzTestInputs/stream}; fuzzing mode is
 * {@code JAZZER_FUZZ=1 mvn -pl nbd -am test -Dtest=NbdFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Djazzer.max_duration=5m -Djunit.jupiter.execution.timeout.mode=disabled} (docs/fuzzing.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NbdFuzzTest {
    private static final Set<Integer> NBD_ERRORS = Set.of(1, 5, 12, 22, 28, 75, 95, 108);
    private static final Set<Integer> OPTION_ERRORS = Set.of(REP_ERR_UNSUP, REP_ERR_POLICY, REP_ERR_INVALID, REP_ERR_PLATFORM,
            REP_ERR_TLS_REQD, REP_ERR_UNKNOWN, REP_ERR_SHUTDOWN, REP_ERR_BLOCK_SIZE_REQD, REP_ERR_TOO_BIG);
    private static final long DEVICE = 1 << 20;
    private static final int MAX_PAYLOAD = 1 << 20;

    private Path dir;
    private NbdServer server;
    private Path socket;
    private final Logger nbdLogger = Logger.getLogger("io.jzram.nbd");
    private final List<String> serverFailures = new CopyOnWriteArrayList<>();
    private final Handler failureCatcher = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                serverFailures.add(r.getMessage() + (r.getThrown() == null ? "" : ": " + r.getThrown()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private long streams;
    private long replies;

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("nbd-fuzz");
        socket = dir.resolve("nbd.sock");
        SimpleExportRegistry registry = SimpleExportRegistry.of(
                new Export("mem0", "fuzzed", new MemoryBlockDevice("mem0", DEVICE), false),
                new Export("ro", "read-only", new MemoryBlockDevice("ro", DEVICE), true));
        server = NbdServer.builder(registry).unixSocket(socket).maximumPayload(MAX_PAYLOAD)
                .handshakeTimeout(Duration.ofSeconds(3)).closeTimeout(Duration.ofSeconds(5)).start();
        nbdLogger.addHandler(failureCatcher);
    }

    @AfterAll
    void stop() throws IOException {
        nbdLogger.removeHandler(failureCatcher);
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
        System.out.printf("nbd fuzzing: %d client streams, %d replies checked%n", streams, replies);
    }

    @FuzzTest(maxDuration = "5m")
    void stream(byte[] input) throws Exception {
        serverFailures.clear();
        byte[] output = exchange(input);
        streams++;
        if (!serverFailures.isEmpty()) {
            throw new AssertionError("the server failed: " + serverFailures);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connectionCount() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the connection was not closed 5 s after the client hung up");
            }
            Thread.sleep(1);
        }
        new Checker(input, output).check();
    }

    /** Sends the input, half-closes, and reads until the server hangs up (5 s at most). */
    private byte[] exchange(byte[] input) throws IOException {
        try (SocketChannel ch = SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket));
                Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(input);
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            boolean outputShut = false;
            long deadline = System.nanoTime() + 5_000_000_000L;
            SelectionKey key = ch.register(sel, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new AssertionError("the server did not hang up within 5 s of the client's half-close ("
                            + input.length + " bytes in, " + got.size() + " out)");
                }
                sel.select(left);
                if (!outputShut && key.isWritable()) {
                    try {
                        ch.write(out);
                    } catch (IOException e) {
                        out.position(out.limit()); // the server hung up on us
                    }
                    if (!out.hasRemaining()) {
                        try {
                            ch.shutdownOutput();
                        } catch (IOException e) {
                            // already closed by the server
                        }
                        outputShut = true;
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    int n;
                    try {
                        n = ch.read(in);
                    } catch (IOException e) {
                        n = -1; // reset by the server
                    }
                    if (n < 0) {
                        break;
                    }
                    in.flip();
                    got.write(in.array(), 0, in.limit());
                    in.clear();
                }
                sel.selectedKeys().clear();
            }
            return got.toByteArray();
        }
    }

    /** Replays the client's stream as the server parses it and checks the server's bytes against it. */
    private final class Checker {
        private final ByteBuffer in;
        private final ByteBuffer out;
        private boolean structured;
        private boolean noZeroes;

        Checker(byte[] input, byte[] output) {
            this.in = ByteBuffer.wrap(input);
            this.out = ByteBuffer.wrap(output);
        }

        private AssertionError fail(String what) {
            return new AssertionError(what + " (server byte " + out.position() + " of " + out.limit() + ", client byte "
                    + in.position() + " of " + in.limit() + ")");
        }

        void check() {
            if (out.remaining() < 18) {
                throw fail("no complete greeting");
            }
            if (out.getLong() != INIT_PASSWD || out.getLong() != IHAVEOPT
                    || out.getShort() != (short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) {
                throw fail("bad greeting");
            }
            if (in.remaining() < 4) {
                expectEnd("before the client flags");
                return;
            }
            int clientFlags = in.getInt();
            if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
                expectEnd("after unknown client flags");
                return;
            }
            noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;
            if (handshake()) {
                transmission();
            }
        }

        private void expectEnd(String when) {
            if (out.hasRemaining()) {
                throw fail(out.remaining() + " unexpected bytes " + when);
            }
        }

        /** The options, in order; true when the server entered transmission. */
        private boolean handshake() {
            while (true) {
                if (in.remaining() < 16) {
                    expectEnd("after the last complete option");
                    return false;
                }
                long magic = in.getLong();
                int option = in.getInt();
                long length = Integer.toUnsignedLong(in.getInt());
                if (magic != IHAVEOPT || length > Handshake.MAX_OPTION_LENGTH) {
                    expectEnd("after a bad option header");
                    return false;
                }
                if (in.remaining() < length) {
                    expectEnd("after a truncated option");
                    return false;
                }
                in.position(in.position() + (int) length);
                if (option == OPT_EXPORT_NAME) {
                    if (!out.hasRemaining()) {
                        return false; // refused: hard disconnect
                    }
                    int info = 8 + 2 + (noZeroes ? 0 : 124);
                    if (out.remaining() < info) {
                        throw fail("truncated export information");
                    }
                    long size = out.getLong();
                    out.getShort();
                    if (size != DEVICE) {
                        throw fail("export size " + size);
                    }
                    for (int i = 10; i < info; i++) {
                        if (out.get() != 0) {
                            throw fail("non-zero padding");
                        }
                    }
                    return true;
                }
                int last;
                do {
                    if (!out.hasRemaining()) {
                        return false; // the server hung up (e.g. its handshake timeout, or a violation)
                    }
                    last = optionReply(option);
                } while (last != REP_ACK && (last & REP_FLAG_ERROR) == 0);
                if (option == OPT_ABORT) {
                    expectEnd("after NBD_OPT_ABORT's acknowledgement");
                    return false;
                }
                if (option == OPT_STRUCTURED_REPLY && last == REP_ACK) {
                    structured = true;
                }
                if (option == OPT_GO && last == REP_ACK) {
                    return true;
                }
            }
        }

        /** One option reply to {@code option}; returns its type. */
        private int optionReply(int option) {
            if (out.remaining() < 20) {
                throw fail("truncated option reply");
            }
            if (out.getLong() != OPTION_REPLY_MAGIC) {
                throw fail("bad option reply magic");
            }
            int replyTo = out.getInt();
            int type = out.getInt();
            long length = Integer.toUnsignedLong(out.getInt());
            if (replyTo != option) {
                throw fail("a reply to option " + Integer.toUnsignedString(replyTo) + " while option "
                        + Integer.toUnsignedString(option) + " is being answered");
            }
            boolean known = type == REP_ACK || type == REP_SERVER || type == REP_INFO || type == REP_META_CONTEXT
                    || OPTION_ERRORS.contains(type);
            if (!known) {
                throw fail("unknown option reply type 0x" + Integer.toHexString(type));
            }
            if (length > 2 * MAX_STRING_LENGTH + 16 || out.remaining() < length) {
                throw fail("option reply length " + length);
            }
            byte[] data = new byte[(int) length];
            out.get(data);
            if (type == REP_ACK && length != 0) {
                throw fail("an acknowledgement with data");
            }
            if ((type & REP_FLAG_ERROR) != 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(data));
                } catch (CharacterCodingException e) {
                    throw fail("an error message that is not UTF-8");
                }
            }
            replies++;
            return type;
        }

        private record Req(int type, long length) {
        }

        private void transmission() {
            Map<Long, ArrayDeque<Req>> pending = new HashMap<>();
            List<Long> order = new ArrayList<>();
            while (in.remaining() >= REQUEST_HEADER_SIZE) {
                int magic = in.getInt();
                in.getShort();
                int type = Short.toUnsignedInt(in.getShort());
                long cookie = in.getLong();
                in.getLong();
                long length = Integer.toUnsignedLong(in.getInt());
                if (magic != REQUEST_MAGIC || type == CMD_DISC) {
                    break;
                }
                if (type == CMD_WRITE) {
                    if (length > MAX_PAYLOAD) {
                        pending.computeIfAbsent(cookie, k -> new ArrayDeque<>()).add(new Req(type, length));
                        order.add(cookie);
                        break;
                    }
                    if (in.remaining() < length) {
                        break; // the stream ends inside the payload: never served
                    }
                    in.position(in.position() + (int) length);
                }
                pending.computeIfAbsent(cookie, k -> new ArrayDeque<>()).add(new Req(type, length));
                order.add(cookie);
            }
            Map<Long, Req> chunking = new HashMap<>();
            while (out.hasRemaining()) {
                if (out.remaining() < 4) {
                    throw fail("truncated reply");
                }
                int magic = out.getInt();
                if (magic == SIMPLE_REPLY_MAGIC) {
                    if (out.remaining() < 12) {
                        throw fail("truncated simple reply");
                    }
                    int error = out.getInt();
                    long cookie = out.getLong();
                    Req r = take(pending, cookie);
                    if (r == null) {
                        return; // ambiguous cookie: see take
                    }
                    if (error != 0 && !NBD_ERRORS.contains(error)) {
                        throw fail("simple reply with error " + error);
                    }
                    if (error == 0 && r.type == CMD_READ) {
                        if (structured) {
                            throw fail("a simple reply to a read after structured replies were negotiated");
                        }
                        if (out.remaining() < r.length) {
                            throw fail("read data shorter than " + r.length);
                        }
                        out.position(out.position() + (int) r.length);
                    }
                } else if (magic == STRUCTURED_REPLY_MAGIC) {
                    if (!structured) {
                        throw fail("a structured reply without NBD_OPT_STRUCTURED_REPLY");
                    }
                    if (out.remaining() < 16) {
                        throw fail("truncated structured reply");
                    }
                    int flags = Short.toUnsignedInt(out.getShort());
                    int type = Short.toUnsignedInt(out.getShort());
                    long cookie = out.getLong();
                    long length = Integer.toUnsignedLong(out.getInt());
                    if (length > MAX_PAYLOAD + 64L || out.remaining() < length) {
                        throw fail("structured chunk length " + length);
                    }
                    Req r = chunking.get(cookie);
                    if (r == null) {
                        r = take(pending, cookie);
                        if (r == null) {
                            return; // ambiguous cookie: see take
                        }
                        chunking.put(cookie, r);
                    }
                    chunk(type, length);
                    if ((flags & REPLY_FLAG_DONE) != 0) {
                        chunking.remove(cookie);
                    }
                } else {
                    throw fail("bad reply magic 0x" + Integer.toHexString(magic));
                }
                replies++;
            }
            if (!chunking.isEmpty()) {
                throw fail("structured replies without their DONE chunk: " + chunking.keySet());
            }
            for (Map.Entry<Long, ArrayDeque<Req>> e : pending.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    throw fail("no reply to request " + e.getValue().peek() + " with cookie " + e.getKey());
                }
            }
        }

        /**
         * The request a reply with this cookie answers; null when several requests in flight share
         * the cookie and differ (a client's violation: the server may answer them in any order, so
         * where the next reply starts cannot be known and checking ends there).
         */
        private Req take(Map<Long, ArrayDeque<Req>> pending, long cookie) {
            ArrayDeque<Req> q = pending.get(cookie);
            if (q == null || q.isEmpty()) {
                throw fail("a reply with cookie " + cookie + " that no request is waiting for");
            }
            Req first = q.peek();
            for (Req r : q) {
                if (!r.equals(first)) {
                    return null;
                }
            }
            return q.poll();
        }

        private void chunk(int type, long length) {
            int start = out.position();
            switch (type) {
                case REPLY_TYPE_NONE -> {
                    if (length != 0) {
                        throw fail("NBD_REPLY_TYPE_NONE with data");
                    }
                }
                case REPLY_TYPE_OFFSET_DATA -> {
                    if (length < 8) {
                        throw fail("OFFSET_DATA without its offset");
                    }
                }
                case REPLY_TYPE_OFFSET_HOLE -> {
                    if (length != 12) {
                        throw fail("OFFSET_HOLE of length " + length);
                    }
                }
                case REPLY_TYPE_BLOCK_STATUS -> {
                    if (length < 12 || (length - 4) % 8 != 0) {
                        throw fail("BLOCK_STATUS of length " + length);
                    }
                }
                case REPLY_TYPE_ERROR, REPLY_TYPE_ERROR_OFFSET -> {
                    if (length < 6) {
                        throw fail("an error chunk of length " + length);
                    }
                    int error = out.getInt();
                    int msg = Short.toUnsignedInt(out.getShort());
                    long expected = 6L + msg + (type == REPLY_TYPE_ERROR_OFFSET ? 8 : 0);
                    if (!NBD_ERRORS.contains(error) || expected != length) {
                        throw fail("error chunk: error " + error + ", message " + msg + " bytes, length " + length);
                    }
                }
                default -> throw fail("unknown structured reply type " + type);
            }
            out.position(start + (int) length);
        }
    }
}
