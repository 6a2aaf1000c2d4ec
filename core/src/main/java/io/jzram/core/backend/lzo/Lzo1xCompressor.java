// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

import static io.jzram.core.backend.lzo.LzoDefs.D_BITS;
import static io.jzram.core.backend.lzo.LzoDefs.D_SIZE;
import static io.jzram.core.backend.lzo.LzoDefs.LZO_VERSION;
import static io.jzram.core.backend.lzo.LzoDefs.M2_MAX_LEN;
import static io.jzram.core.backend.lzo.LzoDefs.M2_MAX_OFFSET;
import static io.jzram.core.backend.lzo.LzoDefs.M3_MARKER;
import static io.jzram.core.backend.lzo.LzoDefs.M3_MAX_LEN;
import static io.jzram.core.backend.lzo.LzoDefs.M3_MAX_OFFSET;
import static io.jzram.core.backend.lzo.LzoDefs.M4_MARKER;
import static io.jzram.core.backend.lzo.LzoDefs.M4_MAX_LEN;
import static io.jzram.core.backend.lzo.LzoDefs.M4_MAX_OFFSET_V0;
import static io.jzram.core.backend.lzo.LzoDefs.M4_MAX_OFFSET_V1;
import static io.jzram.core.backend.lzo.LzoDefs.MAX_ZERO_RUN_LENGTH;
import static io.jzram.core.backend.lzo.LzoDefs.MIN_ZERO_RUN_LENGTH;
import static io.jzram.core.backend.lzo.LzoDefs.le32;
import static io.jzram.core.backend.lzo.LzoDefs.le64;
import static io.jzram.core.backend.lzo.LzoDefs.putLe32;
import static io.jzram.core.backend.lzo.LzoDefs.putLe64;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_OUTPUT_OVERRUN;

import java.util.Arrays;
import java.util.Objects;

/**
 * The kernel's LZO1X-1 compressor (lib/lzo/lzo1x_compress.c: {@code lzogeneric1x_1_compress} and
 * {@code lzo1x_1_do_compress}) for plain LZO1X ({@code lzo1x_1_compress}) and for lzo-rle
 * ({@code lzorle1x_1_compress}), made to produce the kernel's bytes for every input, as x86-64 and
 * arm64 build it (the 64-bit match-length and zero-run scans, whose results equal the byte-wise
 * ones).
 *
 * <p>The algorithm, for whoever has to follow it:
 * <ul>
 *   <li>The input is compressed in chunks of at most 48 KiB (the M4 reach plus one) with a fresh,
 *       zeroed dictionary each; literals not yet written when a chunk ends carry over into the
 *       next one. Inputs of up to 20 bytes are only literals, and no match starts in the last 20
 *       bytes of a chunk.</li>
 *   <li>The dictionary maps the multiplicative hash of the 4 bytes at a position (13 bits of
 *       {@code dv * 0x1824429d}) to that position, relative to the chunk's start. A position is
 *       looked up, then replaced by the current one; a candidate is a match only if its 4 bytes
 *       equal. Since the table starts zeroed, an unused slot points at the chunk's first byte.</li>
 *   <li>Between matches the scan speeds up: each miss advances by {@code 1 + (literals so far / 32)}.</li>
 *   <li>A match is extended 8 bytes at a time, but never judged past {@code end - 20}: the
 *       extension stops as soon as the word compared reaches that point, without counting the
 *       word's equal bytes.</li>
 *   <li>The pending literals are written first (their count folded into the previous
 *       instruction's low 2 bits when 1..3), then the match as M2 (length ≤ 8, distance ≤ 2 KiB),
 *       M3 (distance ≤ 16 KiB) or M4.</li>
 *   <li>lzo-rle: the stream starts with 17, 1; four zero bytes at the scan position start a zero
 *       run (up to 2051 bytes, not past {@code end - 20}), written as the 4-byte M4 form
 *       {@code 0x18|n&7, 0xfc, 0xff, n>>3} (n = length - 4) that a version-1 decoder reads as
 *       zeros; the dictionary is not updated there. M4 matches of 261..264 bytes whose distance
 *       would encode the same way are cut to 260 bytes, and distances stop at 0xbffe.</li>
 *   <li>The stream ends with the remaining literals (as a first byte of {@code 17 + n} when they
 *       are all there is) and the end marker {@code 0x11 0 0}.</li>
 * </ul>
 *
 * <p>Output checks are the kernel's {@code HAVE_OP} checks at the same points, so a too small
 * output fails exactly where the kernel's does: the short literal copies want 4 and 16 bytes of
 * room (the kernel copies whole words there), even if fewer are kept. Within the given output
 * range bytes past the returned length may be overwritten, as the kernel's word copies do.
 *
 * <p>One instance holds one dictionary (the {@code wrkmem} of {@code LZO1X_1_MEM_COMPRESS}, 16
 * KiB) and allocates nothing per call. Not thread-safe.
 */
public final class Lzo1xCompressor {
    private final boolean rle;
    /** lzo_dict_t: unsigned 16-bit positions relative to the chunk's start. */
    private final char[] dict = new char[D_SIZE];
    /** Literals pending when the last chunk ended ({@code *tp} of lzo1x_1_do_compress). */
    private int pending;
    /** Offset from the output position of the byte that takes a following 1..3 literal count. */
    private int stateOffset;

    /**
     * @param rle true for lzo-rle (bitstream version 1), false for plain LZO1X (version 0)
     */
    public Lzo1xCompressor(boolean rle) {
        this.rle = rle;
    }

    /** Whether this writes lzo-rle (bitstream version 1). */
    public boolean rle() {
        return rle;
    }

    /**
     * The worst-case output for {@code n} bytes of input ({@code lzo1x_worst_compress}, plus the
     * 2 header bytes of lzo-rle).
     */
    public static int worstCase(int n) {
        return n + n / 16 + 64 + 3 + 2;
    }

    /**
     * Compresses {@code in[inOff .. inOff+inLen)} into {@code out[outOff .. outOff+outCapacity)}.
     *
     * @return the compressed length, or {@link LzoStatus#LZO_E_OUTPUT_OVERRUN} when it does not
     *     fit (where the kernel's compressor gives up)
     * @throws IndexOutOfBoundsException when a range lies outside its array
     */
    public int compress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outCapacity) {
        Objects.checkFromIndexSize(inOff, inLen, in.length);
        Objects.checkFromIndexSize(outOff, outCapacity, out.length);
        final int opEnd = outOff + outCapacity;
        int op = outOff;
        final int m4MaxOffset;
        if (rle) {
            // the kernel writes these two unchecked; here a buffer of under 2 bytes is an overrun
            if (outCapacity < 2) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            out[op++] = 17; // never a plain LZO1X first byte (but for empty input): marks the version
            out[op++] = LZO_VERSION;
            m4MaxOffset = M4_MAX_OFFSET_V1;
        } else {
            m4MaxOffset = M4_MAX_OFFSET_V0;
        }
        final int dataStart = op;
        pending = 0;
        stateOffset = -2;
        int ip = inOff;
        int left = inLen;
        while (left > 20) {
            int chunk = Math.min(left, m4MaxOffset + 1);
            Arrays.fill(dict, (char) 0);
            op = compressChunk(in, ip, chunk, out, op, opEnd);
            if (op < 0) {
                return op;
            }
            ip += chunk;
            left -= chunk;
        }
        int t = pending + left;
        if (t > 0) {
            int ii = inOff + inLen - t;
            if (op == dataStart && t <= 238) {
                if (opEnd - op < 1) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                out[op++] = (byte) (17 + t);
            } else if (t <= 3) {
                out[op + stateOffset] |= (byte) t;
            } else {
                op = literalCount(out, op, opEnd, t);
                if (op < 0) {
                    return op;
                }
            }
            if (opEnd - op < t) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            System.arraycopy(in, ii, out, op, t);
            op += t;
        }
        if (opEnd - op < 3) {
            return LZO_E_OUTPUT_OVERRUN;
        }
        out[op++] = M4_MARKER | 1;
        out[op++] = 0;
        out[op++] = 0;
        return op - outOff;
    }

    /**
     * lzo1x_1_do_compress on {@code in[base .. base+len)}: returns the new output position (or an
     * overrun), leaves the literals not yet written in {@link #pending}.
     */
    private int compressChunk(byte[] in, final int base, final int len, byte[] out, int op, final int opEnd) {
        final char[] dict = this.dict;
        final boolean rle = this.rle;
        final int inEnd = base + len;
        final int ipEnd = inEnd - 20;
        int ti = pending; // literals carried in from the previous chunk, before base
        int so = stateOffset;
        int ii = base; // start of the literals not yet written (minus ti until the first match)
        int ip = base + (ti < 4 ? 4 - ti : 0);
        ip += 1 + ((ip - ii) >> 5);
        for (;;) {
            // find the next match or zero run, skipping faster the longer nothing is found
            int mPos;
            int run;
            for (;;) {
                if (ip >= ipEnd) {
                    pending = inEnd - (ii - ti);
                    stateOffset = so;
                    return op;
                }
                int dv = le32(in, ip);
                if (dv == 0 && rle) {
                    run = zeroRun(in, ip, ipEnd);
                    mPos = 0;
                    break;
                }
                int h = (dv * 0x1824429d) >>> (32 - D_BITS);
                mPos = base + dict[h];
                dict[h] = (char) (ip - base);
                if (dv == le32(in, mPos)) {
                    run = 0;
                    break;
                }
                ip += 1 + ((ip - ii) >> 5);
            }

            // the literals before it
            ii -= ti;
            ti = 0;
            int t = ip - ii;
            if (t != 0) {
                if (t <= 3) {
                    out[op + so] |= (byte) t;
                    if (opEnd - op < 4) {
                        return LZO_E_OUTPUT_OVERRUN;
                    }
                    putLe32(out, op, le32(in, ii));
                    op += t;
                } else if (t <= 16) {
                    if (opEnd - op < 1 + 16) {
                        return LZO_E_OUTPUT_OVERRUN;
                    }
                    out[op++] = (byte) (t - 3);
                    putLe64(out, op, le64(in, ii));
                    putLe64(out, op + 8, le64(in, ii + 8));
                    op += t;
                } else {
                    op = literalCount(out, op, opEnd, t);
                    if (op < 0 || opEnd - op < t) {
                        return LZO_E_OUTPUT_OVERRUN;
                    }
                    System.arraycopy(in, ii, out, op, t);
                    op += t;
                }
            }

            if (run != 0) {
                ip += run;
                int n = run - MIN_ZERO_RUN_LENGTH;
                if (opEnd - op < 4) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                putLe32(out, op, (n << 21) | 0xfffc18 | (n & 7));
                op += 4;
                so = -3;
                ii = ip;
                continue;
            }

            // the match length: 4 known, then 8 bytes at a time, judged no further than ipEnd
            int mLen = 4;
            long v = le64(in, ip + mLen) ^ le64(in, mPos + mLen);
            boolean cut = false;
            while (v == 0) {
                mLen += 8;
                v = le64(in, ip + mLen) ^ le64(in, mPos + mLen);
                if (ip + mLen >= ipEnd) {
                    cut = true;
                    break;
                }
            }
            if (!cut) {
                mLen += Long.numberOfTrailingZeros(v) >>> 3;
            }

            int mOff = ip - mPos;
            ip += mLen;
            if (mLen <= M2_MAX_LEN && mOff <= M2_MAX_OFFSET) {
                mOff -= 1;
                if (opEnd - op < 2) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                out[op++] = (byte) (((mLen - 1) << 5) | ((mOff & 7) << 2));
                out[op++] = (byte) (mOff >>> 3);
            } else {
                // M3 (distance up to 16 KiB) or M4: a marker with the length, or 0 and the length
                // in 255-steps, then the distance in 14 bits (M4: 16 KiB less, its top bit in H)
                int marker;
                int maxLen;
                if (mOff <= M3_MAX_OFFSET) {
                    mOff -= 1;
                    marker = M3_MARKER;
                    maxLen = M3_MAX_LEN;
                } else {
                    mOff -= 0x4000;
                    marker = M4_MARKER | ((mOff >>> 11) & 8);
                    maxLen = M4_MAX_LEN;
                    if (rle && (mOff & 0x403f) == 0x403f && mLen >= 261 && mLen <= 264) {
                        // its length byte and distance would read as a zero run's 0xfc 0xff
                        ip -= mLen - 260;
                        mLen = 260;
                    }
                }
                if (opEnd - op < 1) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                if (mLen <= maxLen) {
                    out[op++] = (byte) (marker | (mLen - 2));
                } else {
                    out[op++] = (byte) marker;
                    op = lengthExtension(out, op, opEnd, mLen - maxLen);
                    if (op < 0) {
                        return op;
                    }
                }
                if (opEnd - op < 2) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                out[op++] = (byte) (mOff << 2);
                out[op++] = (byte) (mOff >>> 6);
            }
            so = -2;
            ii = ip;
        }
    }

    /**
     * The length of the zero run at {@code ip} (whose first 4 bytes are zero): up to the first
     * non-zero byte, at most {@link LzoDefs#MAX_ZERO_RUN_LENGTH} and not past {@code ipEnd}.
     */
    private static int zeroRun(byte[] in, int ip, int ipEnd) {
        int limit = Math.min(ipEnd, ip + MAX_ZERO_RUN_LENGTH + 1);
        int ir = ip + 4;
        for (; ir + 8 <= limit; ir += 8) {
            long w = le64(in, ir);
            if (w != 0) {
                return Math.min(ir + (Long.numberOfTrailingZeros(w) >>> 3) - ip, MAX_ZERO_RUN_LENGTH);
            }
        }
        while (ir < limit && in[ir] == 0) {
            ir++;
        }
        return Math.min(ir - ip, MAX_ZERO_RUN_LENGTH);
    }

    /** A literal run's count for {@code t} > 3: {@code t - 3}, or 0, 255-steps, remainder. */
    private static int literalCount(byte[] out, int op, int opEnd, int t) {
        if (t <= 18) {
            if (opEnd - op < 1) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            out[op++] = (byte) (t - 3);
            return op;
        }
        if (opEnd - op < 1) {
            return LZO_E_OUTPUT_OVERRUN;
        }
        out[op++] = 0;
        return lengthExtension(out, op, opEnd, t - 18);
    }

    /** The extra length bytes of a long count: a 0 per 255, then the rest (1..255). */
    private static int lengthExtension(byte[] out, int op, int opEnd, int n) {
        while (n > 255) {
            n -= 255;
            if (opEnd - op < 1) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            out[op++] = 0;
        }
        if (opEnd - op < 1) {
            return LZO_E_OUTPUT_OVERRUN;
        }
        out[op++] = (byte) n;
        return op;
    }
}
