// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

/**
 * The numbers of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md, "Values"; the C names are
 * those of nbd.h / nbd-protocol.h with the {@code NBD_} prefix dropped). Only constants: no state.
 */
public final class NbdProtocol {
    private NbdProtocol() {
    }

    // ---- handshake ---------------------------------------------------------------------------
    /** "NBDMAGIC", the first 8 bytes a server sends. */
    public static final long INIT_PASSWD = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle handshake magic, and the magic of every option request. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Magic of every option reply. */
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

    /** Handshake flags (16 bits, server). */
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;

    /** Client flags (32 bits). */
    public static final int FLAG_C_FIXED_NEWSTYLE = 1;
    public static final int FLAG_C_NO_ZEROES = 1 << 1;

    /** Options. */
    public static final int OPT_EXPORT_NAME = 1;
    public static final int OPT_ABORT = 2;
    public static final int OPT_LIST = 3;
    public static final int OPT_PEEK_EXPORT = 4;
    public static final int OPT_STARTTLS = 5;
    public static final int OPT_INFO = 6;
    public static final int OPT_GO = 7;
    public static final int OPT_STRUCTURED_REPLY = 8;
    public static final int OPT_LIST_META_CONTEXT = 9;
    public static final int OPT_SET_META_CONTEXT = 10;
    public static final int OPT_EXTENDED_HEADERS = 11;

    /** Option reply types. */
    public static final int REP_ACK = 1;
    public static final int REP_SERVER = 2;
    public static final int REP_INFO = 3;
    public static final int REP_META_CONTEXT = 4;
    public static final int REP_FLAG_ERROR = 1 << 31;
    public static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    public static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    public static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    public static final int REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
    public static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    public static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    public static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    public static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
    public static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    /** NBD_REP_INFO information types. */
    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;

    /** Transmission flags (16 bits). */
    public static final int FLAG_HAS_FLAGS = 1;
    public static final int FLAG_READ_ONLY = 1 << 1;
    public static final int FLAG_SEND_FLUSH = 1 << 2;
    public static final int FLAG_SEND_FUA = 1 << 3;
    public static final int FLAG_ROTATIONAL = 1 << 4;
    public static final int FLAG_SEND_TRIM = 1 << 5;
    public static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    public static final int FLAG_SEND_DF = 1 << 7;
    public static final int FLAG_CAN_MULTI_CONN = 1 << 8;
    public static final int FLAG_SEND_RESIZE = 1 << 9;
    public static final int FLAG_SEND_CACHE = 1 << 10;
    public static final int FLAG_SEND_FAST_ZERO = 1 << 11;

    // ---- transmission ------------------------------------------------------------------------
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    /** Request header: magic, flags, type, cookie, offset, length. */
    public static final int REQUEST_HEADER_SIZE = 28;
    public static final int SIMPLE_REPLY_HEADER_SIZE = 16;
    public static final int STRUCTURED_REPLY_HEADER_SIZE = 20;

    /** Commands. */
    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_CACHE = 5;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_BLOCK_STATUS = 7;

    /** Command flags. */
    public static final int CMD_FLAG_FUA = 1;
    public static final int CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int CMD_FLAG_DF = 1 << 2;
    public static final int CMD_FLAG_REQ_ONE = 1 << 3;
    public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    /** Structured reply flags and chunk types. */
    public static final int REPLY_FLAG_DONE = 1;
    public static final int REPLY_TYPE_NONE = 0;
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    public static final int REPLY_TYPE_ERROR = (1 << 15) | 1;
    public static final int REPLY_TYPE_ERROR_OFFSET = (1 << 15) | 2;

    /** base:allocation status flags. */
    public static final int STATE_HOLE = 1;
    public static final int STATE_ZERO = 1 << 1;

    /** The only metadata context this server knows. */
    public static final String CONTEXT_BASE_ALLOCATION = "base:allocation";

    /** Limits the spec puts on strings (export names, messages). */
    public static final int MAX_STRING_LENGTH = 4096;
    /** The largest payload any client must be allowed to send or ask for: 2^25 = 32 MiB. */
    public static final int MAX_PAYLOAD = 1 << 25;

    /** A readable name for a command number, for messages. */
    public static String commandName(int type) {
        switch (type) {
            case CMD_READ: return "NBD_CMD_READ";
            case CMD_WRITE: return "NBD_CMD_WRITE";
            case CMD_DISC: return "NBD_CMD_DISC";
            case CMD_FLUSH: return "NBD_CMD_FLUSH";
            case CMD_TRIM: return "NBD_CMD_TRIM";
            case CMD_CACHE: return "NBD_CMD_CACHE";
            case CMD_WRITE_ZEROES: return "NBD_CMD_WRITE_ZEROES";
            case CMD_BLOCK_STATUS: return "NBD_CMD_BLOCK_STATUS";
            default: return "command " + type;
        }
    }

    /** A readable name for an option number, for messages. */
    public static String optionName(int option) {
        switch (option) {
            case OPT_EXPORT_NAME: return "NBD_OPT_EXPORT_NAME";
            case OPT_ABORT: return "NBD_OPT_ABORT";
            case OPT_LIST: return "NBD_OPT_LIST";
            case OPT_PEEK_EXPORT: return "NBD_OPT_PEEK_EXPORT";
            case OPT_STARTTLS: return "NBD_OPT_STARTTLS";
            case OPT_INFO: return "NBD_OPT_INFO";
            case OPT_GO: return "NBD_OPT_GO";
            case OPT_STRUCTURED_REPLY: return "NBD_OPT_STRUCTURED_REPLY";
            case OPT_LIST_META_CONTEXT: return "NBD_OPT_LIST_META_CONTEXT";
            case OPT_SET_META_CONTEXT: return "NBD_OPT_SET_META_CONTEXT";
            case OPT_EXTENDED_HEADERS: return "NBD_OPT_EXTENDED_HEADERS";
            default: return "option " + Integer.toUnsignedString(option);
        }
    }
}
