// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small NBD client for tests: raw bytes when a test wants to misbehave, and helpers for the
 * handshake (greeting, options, GO/EXPORT_NAME) and the transmission phase (requests sent without
 * waiting, replies read as they come, structured chunks reassembled per cookie). Not thread-safe:
 * one thread sends and reads.
 */
final class NbdTestClient implements AutoCloseable {
    final SocketChannel channel;
    private boolean structured;
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextCookie = 1;

    private NbdTestClient(SocketChannel channel) {
        this.channel = channel;
    }

    static NbdTestClient connect(SocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open(address);
        if (address instanceof InetSocketAddress) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return new NbdTestClient(ch);
    }

    /** Connects, negotiates structured replies (optionally) and base:allocation, and GOes. */
    static NbdTestClient open(SocketAddress address, String export, boolean structured) throws IOException {
        NbdTestClient c = connect(address);
        c.greeting();
        c.clientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        if (structured) {
            c.expectAck(c.option(OPT_STRUCTURED_REPLY, new byte[0]));
            c.setMetaContext(export, CONTEXT_BASE_ALLOCATION);
        }
        c.go(export, INFO_BLOCK_SIZE);
        return c;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- raw -----------------------------------------------------------------------------------

    void send(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    void send(byte[] b) throws IOException {
        send(ByteBuffer.wrap(b));
    }

    ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("server closed the connection after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.flip();
    }

    /** True if the server closes the connection (EOF or reset) before sending more than the bytes it sends. */
    boolean closedByServer() {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                b.clear();
                if (channel.read(b) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true;
        }
    }

    // ---- handshake ---------------------------------------------------------------------------

    /** Reads the greeting; returns the handshake flags. */
    int greeting() throws IOException {
        ByteBuffer b = read(18);
        if (b.getLong() != INIT_PASSWD || b.getLong() != IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        return Short.toUnsignedInt(b.getShort());
    }

    void clientFlags(int flags) throws IOException {
        send(ByteBuffer.allocate(4).putInt(flags).flip());
    }

    record OptionReply(int option, int type, byte[] data) {
        boolean isError() {
            return (type & REP_FLAG_ERROR) != 0;
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    void sendOption(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length);
        b.putLong(IHAVEOPT).putInt(option).putInt(data.length).put(data).flip();
        send(b);
    }

    OptionReply readOptionReply() throws IOException {
        ByteBuffer h = read(20);
        if (h.getLong() != OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic");
        }
        int option = h.getInt();
        int type = h.getInt();
        int len = h.getInt();
        byte[] data = new byte[len];
        read(len).get(data);
        return new OptionReply(option, type, data);
    }

    /** Sends an option and reads replies up to the final one (ACK or an error). */
    List<OptionReply> option(int option, byte[] data) throws IOException {
        sendOption(option, data);
        List<OptionReply> replies = new ArrayList<>();
        while (true) {
            OptionReply r = readOptionReply();
            if (r.option() != option) {
                throw new IOException("reply for option " + r.option() + " to option " + option);
            }
            replies.add(r);
            if (r.type() == REP_ACK || r.isError()) {
                if (option == OPT_STRUCTURED_REPLY && r.type() == REP_ACK) {
                    structured = true;
                }
                return replies;
            }
        }
    }

    static OptionReply last(List<OptionReply> replies) {
        return replies.get(replies.size() - 1);
    }

    void expectAck(List<OptionReply> replies) throws IOException {
        OptionReply r = last(replies);
        if (r.type() != REP_ACK) {
            throw new IOException("option " + r.option() + " failed: 0x" + Integer.toHexString(r.type()) + " " + r.text());
        }
    }

    static byte[] infoData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    static byte[] metaData(String name, String... queries) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int len = 8 + n.length;
        for (String q : queries) {
            len += 4 + q.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        b.putInt(n.length).put(n).putInt(queries.length);
        for (String q : queries) {
            byte[] qb = q.getBytes(StandardCharsets.UTF_8);
            b.putInt(qb.length).put(qb);
        }
        return b.array();
    }

    /** What NBD_OPT_INFO/GO told about an export. */
    static final class ExportInfo {
        long size = -1;
        int flags;
        String name;
        String description;
        int minimum;
        int preferred;
        int maximum;
    }

    static ExportInfo parseInfo(List<OptionReply> replies) throws IOException {
        ExportInfo info = new ExportInfo();
        for (OptionReply r : replies) {
            if (r.type() != REP_INFO) {
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(r.data());
            int type = Short.toUnsignedInt(b.getShort());
            switch (type) {
                case INFO_EXPORT:
                    info.size = b.getLong();
                    info.flags = Short.toUnsignedInt(b.getShort());
                    break;
                case INFO_NAME:
                    info.name = StandardCharsets.UTF_8.decode(b).toString();
                    break;
                case INFO_DESCRIPTION:
                    info.description = StandardCharsets.UTF_8.decode(b).toString();
                    break;
                case INFO_BLOCK_SIZE:
                    info.minimum = b.getInt();
                    info.preferred = b.getInt();
                    info.maximum = b.getInt();
                    break;
                default:
                    break;
            }
        }
        return info;
    }

    ExportInfo go(String name, int... infos) throws IOException {
        List<OptionReply> replies = option(OPT_GO, infoData(name, infos));
        expectAck(replies);
        return parseInfo(replies);
    }

    /** Selects base:allocation; returns its context id. */
    int setMetaContext(String export, String... queries) throws IOException {
        List<OptionReply> replies = option(OPT_SET_META_CONTEXT, metaData(export, queries));
        expectAck(replies);
        for (OptionReply r : replies) {
            if (r.type() == REP_META_CONTEXT) {
                return ByteBuffer.wrap(r.data()).getInt();
            }
        }
        return 0;
    }

    void setStructured(boolean structured) {
        this.structured = structured;
    }

    // ---- transmission ------------------------------------------------------------------------

    /** A complete reply: error (0 for success), data of a READ, extents of a BLOCK_STATUS. */
    static final class Reply {
        long cookie;
        int error;
        String message;
        byte[] data;
        final List<long[]> extents = new ArrayList<>();
        final List<int[]> chunkTypes = new ArrayList<>();
        boolean structured;
    }

    private static final class Pending {
        final int type;
        final long offset;
        final long length;
        final Reply reply = new Reply();

        Pending(int type, long offset, long length) {
            this.type = type;
            this.offset = offset;
            this.length = length;
        }
    }

    /** Sends a request without waiting; returns its cookie. */
    long send(int flags, int type, long offset, long length, byte[] payload) throws IOException {
        long cookie = nextCookie++;
        sendRaw(REQUEST_MAGIC, flags, type, cookie, offset, length, payload);
        if (type != CMD_DISC) {
            Pending p = new Pending(type, offset, length);
            p.reply.cookie = cookie;
            if (type == CMD_READ) {
                p.reply.data = new byte[(int) Math.min(length, MAX_PAYLOAD)];
            }
            pending.put(cookie, p);
        }
        return cookie;
    }

    void sendRaw(int magic, int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        int plen = payload == null ? 0 : payload.length;
        ByteBuffer b = ByteBuffer.allocate(REQUEST_HEADER_SIZE + plen);
        b.putInt(magic).putShort((short) flags).putShort((short) type).putLong(cookie).putLong(offset).putInt((int) length);
        if (payload != null) {
            b.put(payload);
        }
        send(b.flip());
    }

    int outstanding() {
        return pending.size();
    }

    /** Reads until some request's reply is complete, and returns it. */
    Reply readReply() throws IOException {
        while (true) {
            ByteBuffer m = read(4);
            int magic = m.getInt();
            if (magic == SIMPLE_REPLY_MAGIC) {
                ByteBuffer h = read(12);
                int error = h.getInt();
                long cookie = h.getLong();
                Pending p = pending.remove(cookie);
                if (p == null) {
                    throw new IOException("simple reply for unknown cookie " + cookie);
                }
                p.reply.error = error;
                if (p.type == CMD_READ) {
                    if (error == 0) {
                        read(p.reply.data.length).get(p.reply.data);
                    } else {
                        p.reply.data = null;
                    }
                }
                return p.reply;
            } else if (magic == STRUCTURED_REPLY_MAGIC) {
                if (!structured) {
                    throw new IOException("structured reply without negotiation");
                }
                ByteBuffer h = read(16);
                int flags = Short.toUnsignedInt(h.getShort());
                int type = Short.toUnsignedInt(h.getShort());
                long cookie = h.getLong();
                int len = h.getInt();
                Pending p = pending.get(cookie);
                if (p == null) {
                    throw new IOException("chunk for unknown cookie " + cookie);
                }
                Reply r = p.reply;
                r.structured = true;
                ByteBuffer body = read(len);
                switch (type) {
                    case REPLY_TYPE_NONE:
                        break;
                    case REPLY_TYPE_OFFSET_DATA: {
                        long off = body.getLong();
                        body.get(r.data, (int) (off - p.offset), len - 8);
                        r.chunkTypes.add(new int[] {type, (int) (off - p.offset), len - 8});
                        break;
                    }
                    case REPLY_TYPE_OFFSET_HOLE: {
                        long off = body.getLong();
                        int size = body.getInt();
                        r.chunkTypes.add(new int[] {type, (int) (off - p.offset), size});
                        break; // data array is zero already
                    }
                    case REPLY_TYPE_BLOCK_STATUS: {
                        body.getInt(); // context id
                        while (body.hasRemaining()) {
                            r.extents.add(new long[] {Integer.toUnsignedLong(body.getInt()), body.getInt()});
                        }
                        break;
                    }
                    case REPLY_TYPE_ERROR:
                    case REPLY_TYPE_ERROR_OFFSET: {
                        r.error = body.getInt();
                        int ml = Short.toUnsignedInt(body.getShort());
                        byte[] msg = new byte[ml];
                        body.get(msg);
                        r.message = new String(msg, StandardCharsets.UTF_8);
                        r.data = null;
                        break;
                    }
                    default:
                        throw new IOException("unknown chunk type " + type);
                }
                if ((flags & REPLY_FLAG_DONE) != 0) {
                    pending.remove(cookie);
                    return r;
                }
            } else {
                throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
            }
        }
    }

    /** Sends one request and waits for its reply (no other requests may be outstanding). */
    Reply call(int flags, int type, long offset, long length, byte[] payload) throws IOException {
        long cookie = send(flags, type, offset, length, payload);
        Reply r = readReply();
        if (r.cookie != cookie) {
            throw new IOException("reply for cookie " + r.cookie + ", expected " + cookie);
        }
        return r;
    }

    byte[] readData(long offset, int length) throws IOException {
        Reply r = call(0, CMD_READ, offset, length, null);
        if (r.error != 0) {
            throw new IOException("read failed with NBD error " + r.error + " " + r.message);
        }
        return r.data;
    }

    void writeData(long offset, byte[] data, int flags) throws IOException {
        Reply r = call(flags, CMD_WRITE, offset, data.length, data);
        if (r.error != 0) {
            throw new IOException("write failed with NBD error " + r.error + " " + r.message);
        }
    }

    void disconnect() throws IOException {
        send(0, CMD_DISC, 0, 0, null);
    }
}
