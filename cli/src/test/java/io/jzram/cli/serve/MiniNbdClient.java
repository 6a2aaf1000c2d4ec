// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Just enough of an NBD client (fixed newstyle, NBD_OPT_GO, simple replies) to test what serve
 * exports: connect to an export or learn why it is refused, then read, write, flush, trim.
 */
final class MiniNbdClient implements AutoCloseable {
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long REPLY_MAGIC = 0x3e889045565a9L;
    static final int OPT_GO = 7;
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int ESHUTDOWN = 108;

    /** The server refused the export; the message is its text. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final int type;

        Refused(int type, String message) {
            super(message);
            this.type = type;
        }
    }

    static final int FLAG_READ_ONLY = 1 << 1;
    static final int EPERM = 1;

    private final SocketChannel ch;
    final long size;
    /** The export's transmission flags (NBD_INFO_EXPORT). */
    final int flags;

    private MiniNbdClient(SocketChannel ch, long size, int flags) {
        this.ch = ch;
        this.size = size;
        this.flags = flags;
    }

    static MiniNbdClient connect(Path socket, String export) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer hello = read(ch, 18);
            if (hello.getLong() != 0x4e42444d41474943L || hello.getLong() != IHAVEOPT) {
                throw new IOException("not an NBD newstyle server");
            }
            write(ch, ByteBuffer.allocate(4).putInt(3).flip()); // FIXED_NEWSTYLE | NO_ZEROES
            byte[] name = export.getBytes(StandardCharsets.UTF_8);
            ByteBuffer opt = ByteBuffer.allocate(16 + 4 + name.length + 2);
            opt.putLong(IHAVEOPT).putInt(OPT_GO).putInt(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
            write(ch, opt.flip());
            long size = -1;
            int flags = 0;
            while (true) {
                ByteBuffer h = read(ch, 20);
                if (h.getLong() != REPLY_MAGIC || h.getInt() != OPT_GO) {
                    throw new IOException("bad option reply");
                }
                int type = h.getInt();
                int len = h.getInt();
                ByteBuffer data = read(ch, len);
                if (type == REP_ACK) {
                    return new MiniNbdClient(ch, size, flags);
                }
                if (type == REP_INFO) {
                    if (data.getShort() == 0) {
                        size = data.getLong();
                        flags = Short.toUnsignedInt(data.getShort());
                    }
                    continue;
                }
                if (type < 0) {
                    byte[] m = new byte[len];
                    data.get(m);
                    throw new Refused(type, new String(m, StandardCharsets.UTF_8));
                }
                throw new IOException("unexpected option reply " + type);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static ByteBuffer read(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed the connection");
            }
        }
        return b.flip();
    }

    private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Sends a request without waiting for its reply. */
    void send(int type, long cookie, long offset, int length, byte[] data) throws IOException {
        ByteBuffer r = ByteBuffer.allocate(28 + (data == null ? 0 : data.length));
        r.putInt(0x25609513).putShort((short) 0).putShort((short) type).putLong(cookie).putLong(offset).putInt(length);
        if (data != null) {
            r.put(data);
        }
        write(ch, r.flip());
    }

    /** A simple reply: error and cookie; the payload of a read is read into dst when given. */
    record Reply(int error, long cookie) {
    }

    Reply receive(byte[] dst) throws IOException {
        ByteBuffer h = read(ch, 16);
        if (h.getInt() != 0x67446698) {
            throw new IOException("not a simple reply");
        }
        int error = h.getInt();
        long cookie = h.getLong();
        if (dst != null && error == 0) {
            read(ch, dst.length).get(dst);
        }
        return new Reply(error, cookie);
    }

    int writeAt(long offset, byte[] data) throws IOException {
        send(CMD_WRITE, 1, offset, data.length, data);
        return receive(null).error();
    }

    byte[] readAt(long offset, int length) throws IOException {
        send(CMD_READ, 2, offset, length, null);
        byte[] out = new byte[length];
        Reply r = receive(out);
        if (r.error() != 0) {
            throw new IOException("read error " + r.error());
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            send(CMD_DISC, 3, 0, 0, null);
        } catch (IOException ignored) {
            // already gone
        }
        ch.close();
    }
}
