// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * The numbers of the FUSE kernel protocol this server speaks (include/uapi/linux/fuse.h, version
 * 7.31, which every kernel since 5.4 accepts): opcodes, flags, and the sizes and field offsets of
 * the fixed-layout structures, all little-endian on the machines this runs on. Written from the
 * header's definitions; field offsets are named {@code <STRUCT>_<FIELD>}.
 */
final class FuseAbi {
    private FuseAbi() {
    }

    static final int KERNEL_VERSION = 7;
    /** The minor version this server implements; the connection uses min(kernel's, this). */
    static final int KERNEL_MINOR_VERSION = 31;
    static final long ROOT_ID = 1;
    static final int MIN_READ_BUFFER = 8192;

    // enum fuse_opcode
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int READLINK = 5;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RMDIR = 11;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int FSYNCDIR = 30;
    static final int ACCESS = 34;
    static final int CREATE = 35;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int NOTIFY_REPLY = 41;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;
    static final int RENAME2 = 45;
    /** Opcodes are small; per-opcode counters are arrays of this size (the last slot: all others). */
    static final int OPCODE_SLOTS = 64;

    // INIT flags (fuse_init_in.flags / fuse_init_out.flags)
    static final int FUSE_ASYNC_READ = 1 << 0;
    static final int FUSE_BIG_WRITES = 1 << 5;
    static final int FUSE_ASYNC_DIO = 1 << 15;
    static final int FUSE_PARALLEL_DIROPS = 1 << 18;
    static final int FUSE_MAX_PAGES = 1 << 22;

    // fuse_open_out.open_flags
    static final int FOPEN_DIRECT_IO = 1 << 0;
    static final int FOPEN_KEEP_CACHE = 1 << 1;

    // fuse_setattr_in.valid
    static final int FATTR_MODE = 1 << 0;
    static final int FATTR_UID = 1 << 1;
    static final int FATTR_GID = 1 << 2;
    static final int FATTR_SIZE = 1 << 3;
    static final int FATTR_MTIME = 1 << 5;
    static final int FATTR_FH = 1 << 6;
    static final int FATTR_MTIME_NOW = 1 << 8;

    static final int FUSE_FSYNC_FDATASYNC = 1;
    /** The unique of an INTERRUPT request is the interrupted request's with this bit set. */
    static final long FUSE_INT_REQ_BIT = 1;

    // struct fuse_in_header (40 bytes)
    static final int IN_HEADER_SIZE = 40;
    static final int IN_LEN = 0;
    static final int IN_OPCODE = 4;
    static final int IN_UNIQUE = 8;
    static final int IN_NODEID = 16;
    static final int IN_UID = 24;
    static final int IN_GID = 28;
    static final int IN_PID = 32;

    // struct fuse_out_header (16 bytes)
    static final int OUT_HEADER_SIZE = 16;
    static final int OUT_LEN = 0;
    static final int OUT_ERROR = 4;
    static final int OUT_UNIQUE = 8;

    // struct fuse_attr (88 bytes)
    static final int ATTR_SIZE = 88;
    static final int ATTR_INO = 0;
    static final int ATTR_SIZE_FIELD = 8;
    static final int ATTR_BLOCKS = 16;
    static final int ATTR_ATIME = 24;
    static final int ATTR_MTIME = 32;
    static final int ATTR_CTIME = 40;
    static final int ATTR_ATIMENSEC = 48;
    static final int ATTR_MTIMENSEC = 52;
    static final int ATTR_CTIMENSEC = 56;
    static final int ATTR_MODE = 60;
    static final int ATTR_NLINK = 64;
    static final int ATTR_UID = 68;
    static final int ATTR_GID = 72;
    static final int ATTR_RDEV = 76;
    static final int ATTR_BLKSIZE = 80;

    // struct fuse_entry_out (128 bytes): nodeid, generation, entry_valid, attr_valid, their nsecs, attr
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    static final int ENTRY_NODEID = 0;
    static final int ENTRY_GENERATION = 8;
    static final int ENTRY_ATTR = 40;

    // struct fuse_attr_out (104 bytes): attr_valid, attr_valid_nsec, dummy, attr
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    static final int ATTR_OUT_ATTR = 16;

    // struct fuse_setattr_in (88 bytes)
    static final int SETATTR_VALID = 0;
    static final int SETATTR_FH = 8;
    static final int SETATTR_SIZE = 16;
    static final int SETATTR_MTIME = 40;
    static final int SETATTR_MTIMENSEC = 60;
    static final int SETATTR_MODE = 68;
    static final int SETATTR_UID = 76;
    static final int SETATTR_GID = 80;

    // struct fuse_open_in (8) / fuse_open_out (16)
    static final int OPEN_IN_FLAGS = 0;
    static final int OPEN_OUT_SIZE = 16;
    static final int OPEN_OUT_FH = 0;
    static final int OPEN_OUT_FLAGS = 8;

    // struct fuse_create_in (16) + name; struct fuse_mkdir_in (8) + name
    static final int CREATE_IN_SIZE = 16;
    static final int CREATE_IN_FLAGS = 0;
    static final int CREATE_IN_MODE = 4;
    static final int MKDIR_IN_SIZE = 8;
    static final int MKDIR_IN_MODE = 0;

    // struct fuse_release_in (24), fuse_flush_in (24), fuse_fsync_in (16): fh first
    static final int FH = 0;
    static final int FSYNC_FLAGS = 8;

    // struct fuse_read_in / fuse_write_in (40 bytes each): fh, offset, size, flags...
    static final int RW_IN_SIZE = 40;
    static final int RW_FH = 0;
    static final int RW_OFFSET = 8;
    static final int RW_SIZE = 16;
    static final int WRITE_OUT_SIZE = 8;

    // struct fuse_statfs_out (80 bytes)
    static final int STATFS_OUT_SIZE = 80;

    // struct fuse_getxattr_in (8) / fuse_getxattr_out (8)
    static final int GETXATTR_OUT_SIZE = 8;

    // struct fuse_access_in: mask
    static final int ACCESS_MASK = 0;

    // struct fuse_init_in: major, minor, max_readahead, flags / fuse_init_out (64 bytes)
    static final int INIT_MAJOR = 0;
    static final int INIT_MINOR = 4;
    static final int INIT_MAX_READAHEAD = 8;
    static final int INIT_FLAGS = 12;
    static final int INIT_OUT_SIZE = 64;
    static final int INIT_OUT_MAX_WRITE = 20;
    static final int INIT_OUT_TIME_GRAN = 24;
    static final int INIT_OUT_MAX_PAGES = 28;

    // struct fuse_interrupt_in, fuse_forget_in, fuse_batch_forget_in + fuse_forget_one[count]
    static final int FORGET_ONE_SIZE = 16;
    static final int BATCH_FORGET_IN_SIZE = 8;

    // struct fuse_fallocate_in (32 bytes)
    static final int FALLOCATE_FH = 0;
    static final int FALLOCATE_OFFSET = 8;
    static final int FALLOCATE_LENGTH = 16;
    static final int FALLOCATE_MODE = 24;

    // struct fuse_dirent: ino, off, namelen, type, name[] padded to 8 bytes
    static final int DIRENT_NAME = 24;

    static int direntSize(int nameLength) {
        return (DIRENT_NAME + nameLength + 7) & ~7;
    }
}
