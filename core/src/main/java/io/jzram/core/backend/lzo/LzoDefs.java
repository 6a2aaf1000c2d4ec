// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The constants of lib/lzo/lzodefs.h that the compressor and the decompressor share, and the
 * little-endian word access both use ({@code get_unaligned_le32} and friends: unaligned loads and
 * stores on a byte array, which C2 compiles to single moves).
 *
 * <p>The instruction classes, named after their first byte:
 * <pre>
 *   M1  0000DDSS (only after a match or a short literal run: 2 bytes from up to 1 KiB back,
 *                 or right after a literal run of 4 or more: 3 bytes from 2..3 KiB back)
 *   M2  LLLDDDSS HHHHHHHH            3..8 bytes from up to 2 KiB back
 *   M3  001LLLLL [0..] DDDDDDSS DDDDDDDD   up to 16 KiB back, any length
 *   M4  0001HLLL [0..] DDDDDDSS DDDDDDDD   16..48 KiB back, any length; distance 16 KiB with
 *                                          length 3 is the end of the stream
 * </pre>
 * SS is the number of literals (0..3) that follow the match without an instruction of their own.
 */
final class LzoDefs {
    private LzoDefs() {
    }

    /** LZO_VERSION: the bitstream version lzo-rle writes after its 17 byte (1: zero runs). */
    static final int LZO_VERSION = 1;

    static final int M2_MAX_OFFSET = 0x0800;
    static final int M3_MAX_OFFSET = 0x4000;
    /** Plain LZO1X: the farthest an M4 match reaches. */
    static final int M4_MAX_OFFSET_V0 = 0xbfff;
    /** lzo-rle: one less, because distance 0xbfff would read as a zero run. */
    static final int M4_MAX_OFFSET_V1 = 0xbffe;

    static final int M2_MAX_LEN = 8;
    static final int M3_MAX_LEN = 33;
    static final int M4_MAX_LEN = 9;

    static final int M3_MARKER = 32;
    static final int M4_MARKER = 16;

    /** A zero run is at least this long; the length is stored minus this, in 11 bits. */
    static final int MIN_ZERO_RUN_LENGTH = 4;
    static final int MAX_ZERO_RUN_LENGTH = 2047 + MIN_ZERO_RUN_LENGTH;

    /** The compressor's hash table: 2^13 entries of 16-bit positions ({@code lzo_dict_t}). */
    static final int D_BITS = 13;
    static final int D_SIZE = 1 << D_BITS;

    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static int le16(byte[] b, int i) {
        return (short) LE16.get(b, i) & 0xffff;
    }

    static int le32(byte[] b, int i) {
        return (int) LE32.get(b, i);
    }

    static void putLe32(byte[] b, int i, int v) {
        LE32.set(b, i, v);
    }

    static long le64(byte[] b, int i) {
        return (long) LE64.get(b, i);
    }

    static void putLe64(byte[] b, int i, long v) {
        LE64.set(b, i, v);
    }
}
