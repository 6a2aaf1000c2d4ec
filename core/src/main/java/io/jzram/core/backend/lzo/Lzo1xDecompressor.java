// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

import static io.jzram.core.backend.lzo.LzoDefs.M2_MAX_OFFSET;
import static io.jzram.core.backend.lzo.LzoDefs.MIN_ZERO_RUN_LENGTH;
import static io.jzram.core.backend.lzo.LzoDefs.le16;
import static io.jzram.core.backend.lzo.LzoDefs.le32;
import static io.jzram.core.backend.lzo.LzoDefs.le64;
import static io.jzram.core.backend.lzo.LzoDefs.putLe32;
import static io.jzram.core.backend.lzo.LzoDefs.putLe64;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_ERROR;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_INPUT_NOT_CONSUMED;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_INPUT_OVERRUN;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_LOOKBEHIND_OVERRUN;
import static io.jzram.core.backend.lzo.LzoStatus.LZO_E_OUTPUT_OVERRUN;

import java.util.Arrays;
import java.util.Objects;

/**
 * The kernel's LZO1X decompressor (lib/lzo/lzo1x_decompress_safe.c,
 * {@code lzo1x_decompress_safe}), both bitstream versions: a stream of 5 bytes or more that starts
 * with 17 carries its version in the second byte, and a non-zero version turns on lzo-rle's zero
 * runs (an M4 instruction {@code 00011RRR} whose distance bytes read {@code 0xfc|SS, 0xff}).
 *
 * <p>It accepts and refuses what the kernel's does: the same input checks (a literal copy, and the
 * literals after a match, want 3 more input bytes after them: the end marker's), the same
 * look-behind check, the same end condition (the end marker with length 3, and nothing after it).
 * Where the kernel leans on such an invariant to read a byte unchecked, this checks anyway, so
 * no input makes it read outside {@code in[inOff .. inOff+inLen)} or write outside
 * {@code out[outOff .. outOff+outLen)}; every instruction consumes input, so it always ends.
 *
 * <p>Structure (for speed; the kernel has one loop): {@link #step} decodes any one instruction
 * with every check, the kernel's loop body. An inner loop decodes the instructions LZO1X-1 writes
 * most (M2; M3 without a length extension; literal runs of 4..18 bytes), as long as the input has
 * {@value #FAST_IN} bytes and the output {@value #FAST_OUT} bytes of room left and the match
 * distance is 8 or more: there no bounds check of the kernel's can fail, so only its look-behind
 * check remains, and copies are whole words whose overshoot the next instruction overwrites (the
 * kernel's COPY8 on its fast path). Anything else leaves that loop for one {@link #step}. The
 * inner loop makes no calls: HotSpot's compiled code keeps no register across a call, and a call
 * in the loop puts the loop's values on the stack.
 *
 * <p>One instance per thread (it keeps the position between {@link #step} and the loop in
 * fields); allocates nothing.
 */
public final class Lzo1xDecompressor {
    /** Input bytes left that make every fast-path read safe (an 8-byte opcode word, 1 + 24 literal bytes). */
    static final int FAST_IN = 32;
    /** Output room that makes every fast-path write safe (a 33-byte match as 5 words, then a word). */
    static final int FAST_OUT = 64;

    /** The largest count of 255-steps a length may have without overflowing an int (MAX_255_COUNT). */
    private static final int MAX_255_COUNT = Integer.MAX_VALUE / 255 - 2;
    /** {@link #step}'s answer when decoding goes on (lengths are 0 or more, errors small negatives). */
    private static final int GO_ON = Integer.MIN_VALUE;

    /** Where {@link #step} left the input, the output, and the state (see the loop). */
    private int ip;
    private int op;
    private int state;

    /**
     * Decompresses {@code in[inOff .. inOff+inLen)} into {@code out[outOff ..)}, at most
     * {@code outLen} bytes.
     *
     * @return the decompressed length, or a negative {@link LzoStatus} code
     * @throws IndexOutOfBoundsException when a range lies outside its array
     */
    public int decompress(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen) {
        Objects.checkFromIndexSize(inOff, inLen, in.length);
        Objects.checkFromIndexSize(outOff, outLen, out.length);
        final int ipEnd = inOff + inLen;
        final int opEnd = outOff + outLen;
        if (inLen < 3) {
            return LZO_E_INPUT_OVERRUN;
        }
        int ip = inOff;
        boolean rle = false;
        if (inLen >= 5 && in[ip] == 17) {
            rle = in[ip + 1] != 0;
            ip += 2;
        }
        int op = outOff;
        // state: 0 after a match without trailing literals (and at the start), 1..3 after that
        // many trailing literals, 4 after a literal run of its own
        int state = 0;
        if ((in[ip] & 0xff) > 17) {
            int r = firstLiteralRun(in, ip, ipEnd, out, op, opEnd);
            if (r != GO_ON) {
                return r;
            }
            ip = this.ip;
            op = this.op;
            state = this.state;
        }
        final int ipFast = ipEnd - FAST_IN;
        final int opFast = opEnd - FAST_OUT;
        for (;;) {
            // the common instructions, while far from both ends: no calls in this loop
            while (ip <= ipFast && op <= opFast) {
                long w = le64(in, ip);
                int t = (int) w & 0xff;
                int next;
                if (t >= 64) {
                    // M2 LLLDDDSS HHHHHHHH: 3..8 bytes from 1..2048 back
                    int mPos = op - 1 - ((t >> 2) & 7) - ((int) (w >>> 5) & 0x7f8);
                    if (op - mPos < 8 || mPos < outOff) {
                        break;
                    }
                    putLe64(out, op, le64(out, mPos));
                    op += (t >> 5) + 1;
                    ip += 2;
                    next = t & 3;
                } else if (t > 32) {
                    // M3 001LLLLL DDDDDDSS DDDDDDDD, LLLLL > 0: 3..33 bytes from 1..16384 back
                    int d = (int) (w >>> 8) & 0xffff;
                    int mPos = op - 1 - (d >> 2);
                    if (op - mPos < 8 || mPos < outOff) {
                        break;
                    }
                    int len = (t & 31) + 2;
                    putLe64(out, op, le64(out, mPos));
                    putLe64(out, op + 8, le64(out, mPos + 8));
                    if (len > 16) {
                        putLe64(out, op + 16, le64(out, mPos + 16));
                        putLe64(out, op + 24, le64(out, mPos + 24));
                        if (len > 32) {
                            putLe64(out, op + 32, le64(out, mPos + 32));
                        }
                    }
                    op += len;
                    ip += 3;
                    next = d & 3;
                } else if (t < 16 && t != 0 && state == 0) {
                    // 0000LLLL, LLLL > 0, in state 0: a literal run of 4..18 bytes
                    putLe64(out, op, le64(in, ip + 1));
                    putLe64(out, op + 8, le64(in, ip + 9));
                    putLe64(out, op + 16, le64(in, ip + 17));
                    ip += t + 4;
                    op += t + 3;
                    state = 4;
                    continue;
                } else {
                    break;
                }
                // 0..3 literals after the match
                putLe64(out, op, le64(in, ip));
                ip += next;
                op += next;
                state = next;
            }
            // anything else, or near an end: one instruction with every check
            int r = step(in, ip, ipEnd, out, op, outOff, opEnd, state, rle);
            if (r != GO_ON) {
                return r;
            }
            ip = this.ip;
            op = this.op;
            state = this.state;
        }
    }

    /** A first byte above 17: a literal run of {@code byte - 17}. */
    private int firstLiteralRun(byte[] in, int ip, int ipEnd, byte[] out, int op, int opEnd) {
        int t = (in[ip++] & 0xff) - 17;
        if (t < 4) {
            // as the literals after a match (the kernel's match_next), and that many is the state
            if (ipEnd - ip < t + 3) {
                return LZO_E_INPUT_OVERRUN;
            }
            if (opEnd - op < t) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            copyShort(in, ip, out, op, t, ipEnd, opEnd);
            this.state = t;
        } else {
            if (opEnd - op < t) {
                return LZO_E_OUTPUT_OVERRUN;
            }
            if (ipEnd - ip < t + 3) {
                return LZO_E_INPUT_OVERRUN;
            }
            System.arraycopy(in, ip, out, op, t);
            this.state = 4;
        }
        this.ip = ip + t;
        this.op = op + t;
        return GO_ON;
    }

    /**
     * Decodes the one instruction at {@code ip} with every check: the kernel's loop body.
     *
     * @return {@link #GO_ON} with {@link #ip}, {@link #op} and {@link #state} updated; the
     *     decompressed length at the end marker; or an error
     */
    private int step(byte[] in, int ip, int ipEnd, byte[] out, int op, int outOff, int opEnd, int state, boolean rle) {
        // every path before left 3 input bytes at least (the kernel relies on it; checked anyway)
        if (ipEnd - ip < 3) {
            return LZO_E_INPUT_OVERRUN;
        }
        int t = in[ip++] & 0xff;
        int mPos;
        int next;
        if (t < 16) {
            if (state == 0) {
                // 0000LLLL: a literal run of LLLL + 3, or with LLLL = 0 a long one
                if (t == 0) {
                    int x = lengthExtension(in, ip, ipEnd);
                    if (x < 0) {
                        return x;
                    }
                    ip = this.ip;
                    t = 15 + x;
                }
                t += 3;
                if (opEnd - op < t) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                if (ipEnd - ip < t + 3) {
                    return LZO_E_INPUT_OVERRUN;
                }
                System.arraycopy(in, ip, out, op, t);
                this.ip = ip + t;
                this.op = op + t;
                this.state = 4;
                return GO_ON;
            } else if (state != 4) {
                // 0000DDSS HHHHHHHH after a match or 1..3 literals: 2 bytes from 1..1024 back
                next = t & 3;
                mPos = op - 1 - (t >> 2) - ((in[ip++] & 0xff) << 2);
                t = 2;
            } else {
                // 0000DDSS HHHHHHHH right after a literal run: 3 bytes from 2049..3072 back
                next = t & 3;
                mPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - ((in[ip++] & 0xff) << 2);
                t = 3;
            }
        } else if (t >= 64) {
            // M2 LLLDDDSS HHHHHHHH: 3..8 bytes from 1..2048 back
            next = t & 3;
            mPos = op - 1 - ((t >> 2) & 7) - ((in[ip++] & 0xff) << 3);
            t = (t >> 5) + 1;
        } else if (t >= 32) {
            // M3 001LLLLL [zeros, n] DDDDDDSS DDDDDDDD: from 1..16384 back
            t = (t & 31) + 2;
            if (t == 2) {
                int x = lengthExtension(in, ip, ipEnd);
                if (x < 0) {
                    return x;
                }
                ip = this.ip;
                t += 31 + x;
            }
            if (ipEnd - ip < 2) {
                return LZO_E_INPUT_OVERRUN;
            }
            next = le16(in, ip);
            ip += 2;
            mPos = op - 1 - (next >> 2);
            next &= 3;
        } else {
            // M4 0001HLLL [zeros, n] DDDDDDSS DDDDDDDD: from 16385..49151 back, or the end;
            // version 1 also: a zero run 00011RRR 111111SS 11111111 RRRRRRRR
            if (ipEnd - ip < 2) {
                return LZO_E_INPUT_OVERRUN;
            }
            next = le16(in, ip);
            if (rle && (next & 0xfffc) == 0xfffc && (t & 0xf8) == 0x18) {
                if (ipEnd - ip < 3) {
                    return LZO_E_INPUT_OVERRUN;
                }
                t = ((t & 7) | ((in[ip + 2] & 0xff) << 3)) + MIN_ZERO_RUN_LENGTH;
                if (opEnd - op < t) {
                    return LZO_E_OUTPUT_OVERRUN;
                }
                if (opEnd - op >= t + 8) {
                    int o = op;
                    int end = op + t;
                    do {
                        putLe64(out, o, 0L);
                        o += 8;
                    } while (o < end);
                } else {
                    Arrays.fill(out, op, op + t, (byte) 0);
                }
                return trailingLiterals(in, ip + 3, ipEnd, out, op + t, opEnd, next & 3);
            }
            mPos = op - ((t & 8) << 11);
            t = (t & 7) + 2;
            if (t == 2) {
                int x = lengthExtension(in, ip, ipEnd);
                if (x < 0) {
                    return x;
                }
                ip = this.ip;
                t += 7 + x;
                if (ipEnd - ip < 2) {
                    return LZO_E_INPUT_OVERRUN;
                }
                next = le16(in, ip);
            }
            ip += 2;
            mPos -= next >> 2;
            next &= 3;
            if (mPos == op) {
                // the end marker 00010001 0 0: its length must be 3 and nothing may follow
                if (t != 3) {
                    return LZO_E_ERROR;
                }
                return ip == ipEnd ? op - outOff : ip < ipEnd ? LZO_E_INPUT_NOT_CONSUMED : LZO_E_INPUT_OVERRUN;
            }
            mPos -= 0x4000;
        }

        // the match: t bytes from mPos, which may overlap what they become
        if (mPos < outOff) {
            return LZO_E_LOOKBEHIND_OVERRUN;
        }
        if (opEnd - op < t) {
            return LZO_E_OUTPUT_OVERRUN;
        }
        if (op - mPos >= 8 && opEnd - op >= t + 8) {
            int o = op;
            int m = mPos;
            int end = op + t;
            do {
                putLe64(out, o, le64(out, m));
                o += 8;
                m += 8;
            } while (o < end);
        } else {
            copyMatch(out, mPos, op, t);
        }
        return trailingLiterals(in, ip, ipEnd, out, op + t, opEnd, next);
    }

    /**
     * The extra length of an instruction whose length field is 0: a zero byte per 255, then the
     * rest (the kernel checks the count of zeros against MAX_255_COUNT: no overflow).
     *
     * @return {@code 255 * zeros + last}, with {@link #ip} after the last byte; or an error
     */
    private int lengthExtension(byte[] in, int ip, int ipEnd) {
        int zeros = 0;
        while (in[ip] == 0) {
            ip++;
            zeros++;
            if (ip >= ipEnd) {
                return LZO_E_INPUT_OVERRUN;
            }
        }
        if (zeros > MAX_255_COUNT) {
            return LZO_E_ERROR;
        }
        this.ip = ip + 1;
        return zeros * 255 + (in[ip] & 0xff);
    }

    /** The 0..3 literals after a match (the kernel's match_next); they set the state. */
    private int trailingLiterals(byte[] in, int ip, int ipEnd, byte[] out, int op, int opEnd, int n) {
        if (ipEnd - ip < n + 3) {
            return LZO_E_INPUT_OVERRUN;
        }
        if (opEnd - op < n) {
            return LZO_E_OUTPUT_OVERRUN;
        }
        copyShort(in, ip, out, op, n, ipEnd, opEnd);
        this.ip = ip + n;
        this.op = op + n;
        this.state = n;
        return GO_ON;
    }

    /**
     * Copies {@code n} (0..3) literals, as one word where input and output have 4 bytes of room
     * (the kernel's COPY4; the bytes past {@code n} are rewritten by what follows).
     */
    private static void copyShort(byte[] in, int ip, byte[] out, int op, int n, int ipEnd, int opEnd) {
        if (ipEnd - ip >= 4 && opEnd - op >= 4) {
            putLe32(out, op, le32(in, ip));
            return;
        }
        for (int i = 0; i < n; i++) {
            out[op + i] = in[ip + i];
        }
    }

    /**
     * Copies a match of {@code t} bytes from {@code mPos} to {@code op} ({@code mPos < op}) with
     * LZ77's byte-by-byte meaning, exactly (nothing written past {@code op + t}): a distance
     * shorter than the length repeats the last {@code op - mPos} bytes.
     */
    private static void copyMatch(byte[] out, int mPos, int op, int t) {
        int dist = op - mPos;
        if (dist >= t) {
            System.arraycopy(out, mPos, out, op, t);
        } else if (dist == 1) {
            Arrays.fill(out, op, op + t, out[mPos]);
        } else {
            // copying from mPos keeps (o - mPos) a multiple of dist, and the period doubles
            int o = op;
            int end = op + t;
            while (o < end) {
                int n = Math.min(o - mPos, end - o);
                System.arraycopy(out, mPos, out, o, n);
                o += n;
            }
        }
    }
}
