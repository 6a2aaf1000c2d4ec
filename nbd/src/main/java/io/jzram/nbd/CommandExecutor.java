// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;

import io.jzram.kernel.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Transmission-phase semantics (proto.md, "Request types"): request validation, the device calls
 * that carry out each command, and the replies, simple or structured. One per server, shared by the
 * worker threads; stateless apart from immutable zero buffers.
 *
 * <ul>
 * <li>READ: simple reply with the data, or (structured) OFFSET_DATA chunks with whole zero pages sent
 *     as OFFSET_HOLE chunks, a single data chunk with NBD_CMD_FLAG_DF.
 * <li>WRITE, TRIM (discard of the whole blocks inside the range), WRITE_ZEROES (device write-zeroes,
 *     which may deallocate; with NO_HOLE zeros are written, so blocks stay allocated; FAST_ZERO fails
 *     fast with ENOTSUP only when NO_HOLE is also set, the one slow variant), FLUSH, CACHE (a no-op
 *     for RAM). FUA is a flush after the command.
 * <li>BLOCK_STATUS for {@code base:allocation}: HOLE blocks are HOLE|ZERO, ZERO blocks ZERO, DATA 0.
 * </ul>
 */
final class CommandExecutor {
    private static final int PAGE = 4096;
    /** Largest range one BLOCK_STATUS request scans; clients ask again for the rest. */
    private static final long MAX_STATUS_SCAN = 1L << 30;
    private static final int ZERO_CHUNK = 1 << 20;

    private final ServerConfig config;
    private final byte[] zeroPage = new byte[PAGE];
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    CommandExecutor(ServerConfig config) {
        this.config = config;
    }

    /** Flags each command accepts; FUA is accepted everywhere because NBD_FLAG_SEND_FUA is advertised. */
    static int allowedFlags(int type, Session s) {
        switch (type) {
            case CMD_READ:
                return CMD_FLAG_FUA | (s.structuredReplies() ? CMD_FLAG_DF : 0);
            case CMD_WRITE:
            case CMD_FLUSH:
            case CMD_TRIM:
            case CMD_CACHE:
            case CMD_DISC:
                return CMD_FLAG_FUA;
            case CMD_WRITE_ZEROES:
                return CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO;
            case CMD_BLOCK_STATUS:
                return CMD_FLAG_FUA | CMD_FLAG_REQ_ONE;
            default:
                return 0;
        }
    }

    /** Why a request cannot be carried out, checked before any payload is kept; null when it is valid. */
    static final class Invalid {
        final NbdError error;
        final String message;

        Invalid(NbdError error, String message) {
            this.error = error;
            this.message = message;
        }
    }

    Invalid validate(Session s, int flags, int type, long offset, long length) {
        String cmd = commandName(type);
        if (type > CMD_BLOCK_STATUS || type == CMD_DISC) {
            return new Invalid(NbdError.EINVAL, "unknown command " + type);
        }
        int bad = flags & ~allowedFlags(type, s);
        if (bad != 0) {
            return new Invalid(NbdError.EINVAL, "flags 0x" + Integer.toHexString(bad) + " are not valid for " + cmd);
        }
        boolean writes = type == CMD_WRITE || type == CMD_TRIM || type == CMD_WRITE_ZEROES;
        if (writes && s.readOnly()) {
            return new Invalid(NbdError.EPERM, "export " + s.export().name() + " is read-only");
        }
        if (type == CMD_FLUSH) {
            return null;
        }
        if (type == CMD_BLOCK_STATUS && s.allocationContextId() == 0) {
            return new Invalid(NbdError.EINVAL, "NBD_CMD_BLOCK_STATUS needs base:allocation selected with NBD_OPT_SET_META_CONTEXT");
        }
        long size = s.size();
        if (offset < 0 || offset > size || length > size - offset) {
            NbdError e = type == CMD_WRITE || type == CMD_WRITE_ZEROES ? NbdError.ENOSPC : NbdError.EINVAL;
            return new Invalid(e, cmd + " at offset " + Long.toUnsignedString(offset) + " length " + length
                    + " goes beyond the end of the export (" + size + " bytes)");
        }
        int min = config.minimumBlockSize();
        if (min > 1 && ((offset | length) & (min - 1)) != 0) {
            return new Invalid(NbdError.EINVAL, cmd + " not aligned to the minimum block size " + min);
        }
        if (type == CMD_READ && length > config.maximumPayload()) {
            return new Invalid(s.structuredReplies() ? NbdError.EOVERFLOW : NbdError.EINVAL,
                    "read of " + length + " bytes exceeds the maximum payload " + config.maximumPayload());
        }
        if (type == CMD_BLOCK_STATUS && length == 0) {
            return new Invalid(NbdError.EINVAL, "NBD_CMD_BLOCK_STATUS of length 0");
        }
        return null;
    }

    /** Bytes of memory a valid request holds until its reply is written (payloads, status extents). */
    int budgetBytes(int type, long offset, long length) {
        switch (type) {
            case CMD_READ:
            case CMD_WRITE:
                return (int) length;
            case CMD_BLOCK_STATUS:
                long blocks = Math.min(MAX_STATUS_SCAN, length) / 512 + 2;
                return (int) Math.min(blocks, config.maxBlockStatusExtents()) * 8 + 64;
            default:
                return 0;
        }
    }

    /** Carries out a valid request; device errors are thrown and turned into error replies by the caller. */
    Reply execute(Session s, Request r) throws IOException {
        BlockDevice dev = s.device();
        switch (r.type()) {
            case CMD_READ:
                return read(s, r);
            case CMD_WRITE:
                dev.write(r.offset(), r.payload());
                break;
            case CMD_FLUSH:
                dev.flush();
                break;
            case CMD_TRIM:
                if (r.length() > 0) {
                    dev.discard(r.offset(), r.length());
                }
                break;
            case CMD_CACHE:
                break; // everything is in RAM already
            case CMD_WRITE_ZEROES:
                if (r.has(CMD_FLAG_NO_HOLE) && r.has(CMD_FLAG_FAST_ZERO)) {
                    return error(s, r, NbdError.ENOTSUP, "write-zeroes without holes is no faster than a write");
                }
                if (r.length() == 0) {
                    break;
                }
                if (r.has(CMD_FLAG_NO_HOLE)) {
                    writeZeroBytes(dev, r.offset(), r.length());
                } else {
                    dev.writeZeroes(r.offset(), r.length());
                }
                break;
            case CMD_BLOCK_STATUS:
                return blockStatus(s, r);
            default:
                return error(s, r, NbdError.EINVAL, "unknown command " + r.type());
        }
        if (r.has(CMD_FLAG_FUA) && r.type() != CMD_FLUSH) {
            dev.flush();
        }
        return simple(r.cookie(), 0);
    }

    private void writeZeroBytes(BlockDevice dev, long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            int n = (int) Math.min(ZERO_CHUNK, end - pos);
            ByteBuffer z = zeros.duplicate();
            z.limit(n);
            dev.write(pos, z);
            pos += n;
        }
    }

    private Reply read(Session s, Request r) throws IOException {
        int length = (int) r.length();
        ByteBuffer data = ByteBuffer.allocate(length);
        if (length > 0) {
            s.device().read(r.offset(), data);
        }
        data.clear();
        if (!s.structuredReplies()) {
            ByteBuffer h = ByteBuffer.allocate(SIMPLE_REPLY_HEADER_SIZE);
            h.putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(r.cookie()).flip();
            return new Reply(h, data);
        }
        if (length == 0) {
            return new Reply(chunkHeader(REPLY_FLAG_DONE, REPLY_TYPE_NONE, r.cookie(), 0).flip());
        }
        if (r.has(CMD_FLAG_DF)) {
            return new Reply(dataChunkHeader(r.cookie(), r.offset(), length, true), data);
        }
        // Split into runs of data and of whole zero pages (aligned to the export), one chunk per run.
        List<ByteBuffer> out = new ArrayList<>();
        byte[] a = data.array();
        long offset = r.offset();
        int runStart = 0;
        boolean runZero = false;
        int i = 0;
        while (i < length) {
            int next = (int) Math.min(length, (offset + i) / PAGE * PAGE + PAGE - offset);
            boolean zero = next - i == PAGE && Arrays.mismatch(a, i, next, zeroPage, 0, PAGE) < 0;
            if (i > 0 && zero != runZero) {
                emit(out, r.cookie(), offset, data, runStart, i, runZero, false);
                runStart = i;
            }
            runZero = zero;
            i = next;
        }
        emit(out, r.cookie(), offset, data, runStart, length, runZero, true);
        return new Reply(out.toArray(new ByteBuffer[0]));
    }

    private static void emit(List<ByteBuffer> out, long cookie, long offset, ByteBuffer data, int from, int to,
                             boolean zero, boolean last) {
        if (zero) {
            ByteBuffer h = chunkHeader(last ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_HOLE, cookie, 12);
            h.putLong(offset + from).putInt(to - from).flip();
            out.add(h);
        } else {
            out.add(dataChunkHeader(cookie, offset + from, to - from, last));
            ByteBuffer slice = data.duplicate();
            slice.position(from).limit(to);
            out.add(slice.slice());
        }
    }

    private static ByteBuffer dataChunkHeader(long cookie, long offset, int length, boolean last) {
        ByteBuffer h = chunkHeader(last ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_DATA, cookie, 8 + length);
        h.putLong(offset).flip();
        return h;
    }

    /** A chunk header with room for up to 16 bytes of fixed payload after it; position after the header. */
    private static ByteBuffer chunkHeader(int flags, int type, long cookie, int length) {
        ByteBuffer h = ByteBuffer.allocate(STRUCTURED_REPLY_HEADER_SIZE + 16);
        h.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie).putInt(length);
        return h;
    }

    private Reply blockStatus(Session s, Request r) throws IOException {
        BlockDevice dev = s.device();
        long size = s.size();
        int bs = Math.max(1, dev.logicalBlockSize());
        boolean one = r.has(CMD_FLAG_REQ_ONE);
        int maxExtents = one ? 1 : config.maxBlockStatusExtents();
        long end = r.offset() + Math.min(r.length(), MAX_STATUS_SCAN);
        long[] lengths = new long[Math.min(maxExtents, 64)];
        int[] states = new int[lengths.length];
        int n = 0;
        long pos = r.offset();
        while (pos < end) {
            int state = state(dev.blockState(pos));
            long blockEnd = Math.min(size, (pos / bs + 1) * bs);
            if (n > 0 && states[n - 1] == state) {
                lengths[n - 1] += blockEnd - pos;
            } else {
                if (n == maxExtents) {
                    break;
                }
                if (n == lengths.length) {
                    lengths = Arrays.copyOf(lengths, Math.min(maxExtents, n * 2));
                    states = Arrays.copyOf(states, lengths.length);
                }
                states[n] = state;
                lengths[n] = blockEnd - pos;
                n++;
            }
            pos = blockEnd;
        }
        if (one && lengths[0] > r.length()) {
            lengths[0] = r.length();
        }
        ByteBuffer b = ByteBuffer.allocate(STRUCTURED_REPLY_HEADER_SIZE + 4 + 8 * n);
        b.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) REPLY_FLAG_DONE).putShort((short) REPLY_TYPE_BLOCK_STATUS)
                .putLong(r.cookie()).putInt(4 + 8 * n).putInt(s.allocationContextId());
        for (int i = 0; i < n; i++) {
            b.putInt((int) lengths[i]).putInt(states[i]);
        }
        return new Reply(b.flip());
    }

    private static int state(BlockDevice.BlockState state) {
        switch (state) {
            case HOLE:
                return STATE_HOLE | STATE_ZERO;
            case ZERO:
                return STATE_ZERO;
            default:
                return 0;
        }
    }

    static Reply simple(long cookie, int error) {
        ByteBuffer h = ByteBuffer.allocate(SIMPLE_REPLY_HEADER_SIZE);
        h.putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie).flip();
        return new Reply(h);
    }

    /** An error reply: a structured NBD_REPLY_TYPE_ERROR with the message when negotiated, else simple. */
    static Reply error(Session s, Request r, NbdError error, String message) {
        return error(s.structuredReplies(), r.cookie(), error, message);
    }

    static Reply error(boolean structured, long cookie, NbdError error, String message) {
        if (!structured) {
            return simple(cookie, error.code());
        }
        byte[] m = message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
        int ml = Math.min(m.length, 1024);
        ByteBuffer b = ByteBuffer.allocate(STRUCTURED_REPLY_HEADER_SIZE + 6 + ml);
        b.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) REPLY_FLAG_DONE).putShort((short) REPLY_TYPE_ERROR)
                .putLong(cookie).putInt(6 + ml).putInt(error.code()).putShort((short) ml).put(m, 0, ml).flip();
        return new Reply(b);
    }
}
