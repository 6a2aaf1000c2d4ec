// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.ErrnoIOException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed newstyle handshake of one connection (proto.md, "Handshake"): greeting with
 * NBD_FLAG_FIXED_NEWSTYLE and NBD_FLAG_NO_ZEROES, then option haggling until the client enters
 * transmission (NBD_OPT_GO / NBD_OPT_EXPORT_NAME), aborts, or breaks the protocol.
 *
 * <p>Supported options: EXPORT_NAME, ABORT, LIST, INFO and GO (NBD_INFO_EXPORT, NAME, DESCRIPTION,
 * BLOCK_SIZE), STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT for
 * {@code base:allocation}; every other option is answered NBD_REP_ERR_UNSUP. An export that is
 * unknown or refuses connections is NBD_REP_ERR_UNKNOWN with the registry's message, except for
 * EXPORT_NAME, which cannot fail politely: the session is closed. Option data over 64 KiB, a wrong
 * magic or unknown client flags end the session (a hard disconnect). Runs on the connection's
 * reader thread; not thread-safe.
 */
final class Handshake {
    /** Option payloads larger than this are treated as a denial of service (hard disconnect). */
    static final int MAX_OPTION_LENGTH = 64 * 1024;
    /** Options per session before the server gives up on the client. */
    static final int MAX_OPTIONS = 4096;
    static final int ALLOCATION_CONTEXT_ID = 1;

    private final ChannelInput in;
    private final WritableByteChannel out;
    private final ExportRegistry registry;
    private final ServerConfig config;

    private boolean noZeroes;
    private boolean structured;
    /** Canonical name of the export for which base:allocation was selected, or null. */
    private String metaContextExport;

    Handshake(ChannelInput in, WritableByteChannel out, ExportRegistry registry, ServerConfig config) {
        this.in = in;
        this.out = out;
        this.registry = registry;
        this.config = config;
    }

    /** Thrown when the client breaks the protocol; the session ends with a hard disconnect. */
    static final class ProtocolViolation extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message);
        }
    }

    /** Negotiates; returns the session for transmission, or null when the client ended the handshake. */
    Session negotiate() throws IOException {
        ByteBuffer greeting = ByteBuffer.allocate(18);
        greeting.putLong(INIT_PASSWD).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        writeFully(greeting);

        int clientFlags = in.readInt();
        if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
            throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;

        for (int n = 0; n < MAX_OPTIONS; n++) {
            long magic = in.readLong();
            if (magic != IHAVEOPT) {
                throw new ProtocolViolation("bad option magic 0x" + Long.toHexString(magic));
            }
            int option = in.readInt();
            long length = Integer.toUnsignedLong(in.readInt());
            if (length > MAX_OPTION_LENGTH) {
                throw new ProtocolViolation(optionName(option) + " with " + length + " bytes of data");
            }
            ByteBuffer data = ByteBuffer.allocate((int) length);
            in.readFully(data);
            data.flip();
            Session s;
            try {
                s = option(option, data);
            } catch (BufferUnderflowException | CharacterCodingException e) {
                if (option == OPT_EXPORT_NAME) {
                    throw new ProtocolViolation("NBD_OPT_EXPORT_NAME with a name that is not UTF-8");
                }
                reply(option, REP_ERR_INVALID, "malformed " + optionName(option));
                continue;
            }
            if (s == ABORTED) {
                return null;
            }
            if (s != null) {
                return s;
            }
        }
        throw new ProtocolViolation("more than " + MAX_OPTIONS + " options");
    }

    /** Marker for "the client aborted". */
    private static final Session ABORTED = new Session(null, null, 0, 0, false, 0);

    private Session option(int option, ByteBuffer data) throws IOException {
        switch (option) {
            case OPT_EXPORT_NAME:
                return exportName(data);
            case OPT_ABORT:
                try {
                    ack(option);
                } catch (IOException ignored) {
                    // the client may close without waiting for the acknowledgement
                }
                return ABORTED;
            case OPT_LIST:
                list(data);
                return null;
            case OPT_INFO:
            case OPT_GO:
                return infoOrGo(option, data);
            case OPT_STRUCTURED_REPLY:
                if (data.hasRemaining()) {
                    reply(option, REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                } else {
                    structured = true;
                    ack(option);
                }
                return null;
            case OPT_LIST_META_CONTEXT:
            case OPT_SET_META_CONTEXT:
                metaContext(option, data);
                return null;
            case OPT_STARTTLS:
                reply(option, REP_ERR_UNSUP, "TLS is not supported by this server");
                return null;
            default:
                reply(option, REP_ERR_UNSUP, optionName(option) + " is not supported by this server");
                return null;
        }
    }

    private Session exportName(ByteBuffer data) throws IOException {
        String name = string(data, data.remaining());
        Opened opened;
        try {
            opened = open(name);
        } catch (ExportUnavailableException e) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME refused: " + e.getMessage());
        }
        try {
            int flags = transmissionFlags(opened.export);
            ByteBuffer b = ByteBuffer.allocate(noZeroes ? 10 : 134);
            b.putLong(opened.size).putShort((short) flags);
            b.position(b.limit()).flip();
            writeFully(b);
            return session(opened, name, flags);
        } catch (IOException | RuntimeException e) {
            opened.opener.close();
            throw e;
        }
    }

    private void list(ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            reply(OPT_LIST, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (Export e : registry.list()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] desc = e.description().getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + name.length + desc.length);
            b.putInt(name.length).put(name).put(desc).flip();
            reply(OPT_LIST, REP_SERVER, b);
        }
        ack(OPT_LIST);
    }

    private Session infoOrGo(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            reply(option, REP_ERR_INVALID, optionName(option) + " data too short");
            return null;
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength > data.remaining() - 2) {
            reply(option, REP_ERR_INVALID, "export name length beyond the option data");
            return null;
        }
        String name = string(data, (int) nameLength);
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2 * requests) {
            reply(option, REP_ERR_INVALID, "information request count does not match the option length");
            return null;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < requests; i++) {
            int info = Short.toUnsignedInt(data.getShort());
            wantName |= info == INFO_NAME;
            wantDescription |= info == INFO_DESCRIPTION;
        }

        Opened opened;
        Export export;
        long size;
        try {
            if (option == OPT_GO) {
                opened = open(name);
                export = opened.export;
                size = opened.size;
            } else {
                opened = null;
                export = registry.lookup(name);
                size = export.device().capacity();
                if (size <= 0) {
                    throw notInitialised(export);
                }
            }
        } catch (ExportUnavailableException e) {
            reply(option, REP_ERR_UNKNOWN, e.getMessage());
            return null;
        }
        try {
            int flags = transmissionFlags(export);
            ByteBuffer info = ByteBuffer.allocate(12);
            info.putShort((short) INFO_EXPORT).putLong(size).putShort((short) flags).flip();
            reply(option, REP_INFO, info);
            if (wantName) {
                byte[] n = export.name().getBytes(StandardCharsets.UTF_8);
                reply(option, REP_INFO, ByteBuffer.allocate(2 + n.length).putShort((short) INFO_NAME).put(n).flip());
            }
            if (wantDescription && !export.description().isEmpty()) {
                byte[] d = export.description().getBytes(StandardCharsets.UTF_8);
                reply(option, REP_INFO, ByteBuffer.allocate(2 + d.length).putShort((short) INFO_DESCRIPTION).put(d).flip());
            }
            int preferred = config.preferredBlockSize(export.device().logicalBlockSize());
            ByteBuffer bs = ByteBuffer.allocate(14);
            bs.putShort((short) INFO_BLOCK_SIZE).putInt(config.minimumBlockSize()).putInt(preferred)
                    .putInt(config.maximumPayload()).flip();
            reply(option, REP_INFO, bs);
            ack(option);
            return opened == null ? null : session(opened, name, flags);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.opener.close();
            }
            throw e;
        }
    }

    private void metaContext(int option, ByteBuffer data) throws IOException, CharacterCodingException {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set) {
            metaContextExport = null; // replaced even when the option fails
        }
        if (data.remaining() < 8) {
            reply(option, REP_ERR_INVALID, optionName(option) + " data too short");
            return;
        }
        long nameLength = Integer.toUnsignedLong(data.getInt());
        if (nameLength > data.remaining() - 4) {
            reply(option, REP_ERR_INVALID, "export name length beyond the option data");
            return;
        }
        String name = string(data, (int) nameLength);
        long queries = Integer.toUnsignedLong(data.getInt());
        List<String> list = new ArrayList<>();
        for (long i = 0; i < queries; i++) {
            if (data.remaining() < 4) {
                reply(option, REP_ERR_INVALID, "query count beyond the option data");
                return;
            }
            long qlen = Integer.toUnsignedLong(data.getInt());
            if (qlen > data.remaining()) {
                reply(option, REP_ERR_INVALID, "query length beyond the option data");
                return;
            }
            list.add(string(data, (int) qlen));
        }
        if (data.hasRemaining()) {
            reply(option, REP_ERR_INVALID, "trailing bytes after the queries");
            return;
        }
        if (set && !structured) {
            reply(option, REP_ERR_INVALID, "structured replies must be negotiated before NBD_OPT_SET_META_CONTEXT");
            return;
        }
        Export export;
        try {
            export = registry.lookup(name);
        } catch (ExportUnavailableException e) {
            reply(option, REP_ERR_UNKNOWN, e.getMessage());
            return;
        }
        boolean match;
        if (set) {
            match = list.contains(CONTEXT_BASE_ALLOCATION);
        } else {
            match = list.isEmpty() || list.contains(CONTEXT_BASE_ALLOCATION) || list.contains("base:");
        }
        if (match) {
            byte[] n = CONTEXT_BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            int id = set ? ALLOCATION_CONTEXT_ID : 0;
            reply(option, REP_META_CONTEXT, ByteBuffer.allocate(4 + n.length).putInt(id).put(n).flip());
            if (set) {
                metaContextExport = export.name();
            }
        }
        ack(option);
    }

    private int transmissionFlags(Export export) {
        int f = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_CAN_MULTI_CONN | FLAG_SEND_CACHE;
        if (export.readOnly()) {
            f |= FLAG_READ_ONLY;
        } else {
            f |= FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES | FLAG_SEND_FAST_ZERO;
        }
        if (structured) {
            f |= FLAG_SEND_DF;
        }
        return f;
    }

    private Session session(Opened opened, String requestedName, int flags) {
        boolean allocation = structured && metaContextExport != null && metaContextExport.equals(opened.export.name());
        return new Session(opened.export, opened.opener, opened.size, flags, structured,
                allocation ? ALLOCATION_CONTEXT_ID : 0);
    }

    private static final class Opened {
        final Export export;
        final BlockDevice.Opener opener;
        final long size;

        Opened(Export export, BlockDevice.Opener opener, long size) {
            this.export = export;
            this.opener = opener;
            this.size = size;
        }
    }

    /** Looks the export up and opens its device for a connection (blkdev_get); refusals carry a message. */
    private Opened open(String name) throws ExportUnavailableException {
        Export export = registry.lookup(name);
        BlockDevice.Opener opener;
        try {
            opener = export.device().open();
        } catch (ErrnoIOException e) {
            throw new ExportUnavailableException("export " + export.name() + " is not available: "
                    + e.getMessage() + (e.errno() == io.jzram.kernel.Errno.EBUSY ? " (the device is being reset or removed)" : ""));
        } catch (IOException | RuntimeException e) {
            throw new ExportUnavailableException("export " + export.name() + " is not available: " + e.getMessage());
        }
        long size;
        try {
            size = export.device().capacity();
        } catch (RuntimeException e) {
            opener.close();
            throw new ExportUnavailableException("export " + export.name() + " is not available: " + e.getMessage());
        }
        if (size <= 0) {
            opener.close();
            throw notInitialised(export);
        }
        return new Opened(export, opener, size);
    }

    private static ExportUnavailableException notInitialised(Export export) {
        return new ExportUnavailableException("export " + export.name()
                + " is not available: the device is not initialised (disksize is 0; it was reset or never set up)");
    }

    private static String string(ByteBuffer data, int length) throws CharacterCodingException {
        if (length > data.remaining()) {
            throw new BufferUnderflowException();
        }
        ByteBuffer s = data.slice();
        s.limit(length);
        data.position(data.position() + length);
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(s).toString();
    }

    private void ack(int option) throws IOException {
        reply(option, REP_ACK, (ByteBuffer) null);
    }

    private void reply(int option, int type, String message) throws IOException {
        ByteBuffer payload = null;
        if (message != null) {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            payload = ByteBuffer.wrap(m, 0, Math.min(m.length, MAX_STRING_LENGTH));
        }
        reply(option, type, payload);
    }

    private void reply(int option, int type, ByteBuffer payload) throws IOException {
        int length = payload == null ? 0 : payload.remaining();
        ByteBuffer b = ByteBuffer.allocate(20 + length);
        b.putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        b.flip();
        writeFully(b);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
