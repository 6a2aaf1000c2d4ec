// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The deflate backend (drivers/block/zram/backend_deflate.c) on java.util.zip.
 *
 * <p>Level: {@code Z_DEFAULT_COMPRESSION} (-1, i.e. 6) when unset; -1..9 accepted, anything else is
 * EINVAL, as {@code zlib_deflateInit2} refuses it when the kernel creates the stream.
 * {@code deflate.winbits}: the kernel's default since 6.16 is {@code DEFLATE_DEF_WINBITS} = -11
 * (raw deflate, 2 KiB window; earlier kernels hard-coded the same); -15..-9 select raw deflate and
 * 9..15 a zlib-wrapped stream, anything else is EINVAL.
 *
 * <p>Difference from the kernel: java.util.zip cannot choose the window size or the memory level,
 * so the streams always use a 32 KiB window (memLevel 8 instead of the kernel's 9). Only the sign of
 * winbits (raw vs zlib header) takes effect. For 4 KiB pages a bigger window can only find more
 * matches, so sizes come out equal or a little smaller than the kernel's for |winbits| &lt; 12.
 *
 * <p>A dictionary is accepted and ignored, as the kernel's deflate backend ignores it.
 * The context works through its own byte arrays (zlib here takes arrays), so it copies a page
 * in and out when a buffer is direct; it allocates nothing per call.
 */
public final class DeflateBackend implements ZcompBackend {
    /** DEFLATE_DEF_WINBITS of backend_deflate.c (raw deflate, 2 KiB window). */
    public static final int DEFAULT_WINBITS = -11;

    @Override
    public String name() {
        return "deflate";
    }

    @Override
    public ZcompConfig setup(ZcompParams params) {
        int level = params.hasLevel() ? params.level() : Deflater.DEFAULT_COMPRESSION;
        if (level < Deflater.DEFAULT_COMPRESSION || level > Deflater.BEST_COMPRESSION) {
            throw new ErrnoException(Errno.EINVAL, "deflate: level " + level + " is outside -1..9");
        }
        int winbits = params.deflateWinbits() == ZcompParams.NOT_SET ? DEFAULT_WINBITS : params.deflateWinbits();
        int abs = Math.abs(winbits);
        if (abs < 9 || abs > 15) {
            throw new ErrnoException(Errno.EINVAL, "deflate: winbits " + winbits + " is outside -15..-9 and 9..15");
        }
        return new ParamsConfig(this, params.withLevel(level).withDeflateWinbits(winbits), DeflateBackend::createContext);
    }

    /** {@code create_ctx}: a Deflater and an Inflater, raw deflate for negative winbits. */
    private static ZcompContext createContext(ZcompParams params) {
        boolean raw = params.deflateWinbits() < 0;
        return new DeflateContext(new Deflater(params.level(), raw), new Inflater(raw));
    }

    /** One stream's zlib state. */
    static final class DeflateContext implements ZcompContext {
        private final Deflater deflater;
        private final Inflater inflater;
        private final byte[] in = new byte[2 * PAGE_SIZE];
        private final byte[] out = new byte[2 * PAGE_SIZE];
        private boolean closed;

        DeflateContext(Deflater deflater, Inflater inflater) {
            this.deflater = deflater;
            this.inflater = inflater;
        }

        @Override
        public int compress(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int dstCapacity) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, PAGE_SIZE, "source");
            Buffers.checkRange(dst, dstOffset, dstCapacity, "destination");
            if (dst.isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
            deflater.reset();
            if (src.hasArray()) {
                deflater.setInput(src.array(), src.arrayOffset() + srcOffset, PAGE_SIZE);
            } else {
                src.get(srcOffset, in, 0, PAGE_SIZE);
                deflater.setInput(in, 0, PAGE_SIZE);
            }
            deflater.finish();
            byte[] target;
            int targetOffset;
            int room;
            if (dst.hasArray()) {
                target = dst.array();
                targetOffset = dst.arrayOffset() + dstOffset;
                room = dstCapacity;
            } else {
                target = out;
                targetOffset = 0;
                room = Math.min(dstCapacity, out.length);
            }
            int n = 0;
            while (!deflater.finished() && n < room) {
                int k = deflater.deflate(target, targetOffset + n, room - n);
                if (k == 0) {
                    break;
                }
                n += k;
            }
            if (!deflater.finished()) {
                throw new ErrnoException(Errno.EINVAL, "deflate compression failed: output does not fit in " + dstCapacity + " bytes");
            }
            if (target == out) {
                dst.put(dstOffset, out, 0, n);
            }
            return n;
        }

        @Override
        public void decompress(ByteBuffer src, int srcOffset, int srcLength, ByteBuffer dst, int dstOffset) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, srcLength, "source");
            Buffers.checkRange(dst, dstOffset, PAGE_SIZE, "destination");
            if (dst.isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
            inflater.reset();
            if (src.hasArray()) {
                inflater.setInput(src.array(), src.arrayOffset() + srcOffset, srcLength);
            } else {
                if (srcLength > in.length) {
                    throw Buffers.decompressFailed("deflate", srcLength + " bytes of input for one page", null);
                }
                src.get(srcOffset, in, 0, srcLength);
                inflater.setInput(in, 0, srcLength);
            }
            // inflate into our own array with one byte to spare, so that a stream that goes on past
            // the page is caught without writing beyond the caller's page
            int n = 0;
            try {
                while (n <= PAGE_SIZE && !inflater.finished()) {
                    int k = inflater.inflate(out, n, PAGE_SIZE + 1 - n);
                    if (k == 0) {
                        break; // needs input (truncated), a dictionary, or made no progress
                    }
                    n += k;
                }
            } catch (DataFormatException e) {
                throw Buffers.decompressFailed("deflate", e.getMessage(), e);
            }
            if (n != PAGE_SIZE || !inflater.finished()) {
                throw Buffers.decompressFailed("deflate", n > PAGE_SIZE ? "stream goes on past a page"
                        : inflater.finished() ? "got " + n + " bytes, not a page" : "truncated stream", null);
            }
            dst.put(dstOffset, out, 0, PAGE_SIZE);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            deflater.end();
            inflater.end();
        }

        private void ensureOpen() {
            if (closed) {
                throw new IllegalStateException("deflate context is closed");
            }
        }
    }
}
