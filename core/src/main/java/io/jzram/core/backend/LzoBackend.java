// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.core.backend.lzo.Lzo1xCompressor;
import io.jzram.core.backend.lzo.Lzo1xDecompressor;
import io.jzram.core.backend.lzo.LzoStatus;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;

/**
 * The lzo and lzo-rle backends (drivers/block/zram/backend_lzo.c, backend_lzorle.c) on the
 * pure-Java port of the kernel's LZO1X-1 compressor and LZO1X decompressor in
 * {@link io.jzram.core.backend.lzo}: {@code lzo1x_1_compress} / {@code lzorle1x_1_compress} and
 * {@code lzo1x_decompress_safe}, which decodes both bitstream versions whichever backend calls it.
 * The compressor makes the kernel's decisions step for step, so a page compresses to the kernel's
 * length (checked page by page against the running kernel by KernelLzoParityTest, and on the
 * shared corpus by CorpusLzoParityTest) and, as far as the format lets one see, to its bytes.
 *
 * <p>Parameters: the kernel's lzo backends have none ({@code setup_params} accepts anything and
 * uses nothing), so a level and a dictionary are accepted and ignored, as there; an unset level
 * reads 0 in {@link ZcompConfig#params()} (LZO1X-1 has that one level).
 *
 * <p>Each context owns its dictionary table ({@code LZO1X_MEM_COMPRESS}) and a page of scratch
 * for each direction: the codec works on byte arrays, so heap buffers are used in place and direct
 * (or read-only) ones are copied through the scratch, one memcpy of a page or less per call.
 * Nothing is allocated per call.
 */
public final class LzoBackend implements ZcompBackend {
    private final boolean rle;

    private LzoBackend(boolean rle) {
        this.rle = rle;
    }

    /** The "lzo" backend: plain LZO1X-1 (bitstream version 0). */
    public static LzoBackend lzo() {
        return new LzoBackend(false);
    }

    /** The "lzo-rle" backend: LZO1X-1 with zero runs (bitstream version 1), the kernel's default. */
    public static LzoBackend lzoRle() {
        return new LzoBackend(true);
    }

    @Override
    public String name() {
        return rle ? "lzo-rle" : "lzo";
    }

    @Override
    public ZcompConfig setup(ZcompParams params) {
        // nothing is shared between streams: the config only creates them
        return new ParamsConfig(this, params.hasLevel() ? params : params.withLevel(0), p -> new LzoContext(name(), rle));
    }

    /** One stream's lzo state: the compressor's dictionary and the copy scratch. */
    static final class LzoContext implements ZcompContext {
        private final String name;
        private final Lzo1xCompressor compressor;
        private final Lzo1xDecompressor decompressor = new Lzo1xDecompressor();
        /** A page of input (compress) or output (decompress) when the buffer has no array. */
        private final byte[] page = new byte[PAGE_SIZE];
        /** Compressed bytes when the buffer has no array; room for the worst case of a page. */
        private final byte[] packed = new byte[2 * PAGE_SIZE];
        private boolean closed;

        LzoContext(String name, boolean rle) {
            this.name = name;
            this.compressor = new Lzo1xCompressor(rle);
        }

        @Override
        public int compress(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int dstCapacity) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, PAGE_SIZE, "source");
            Buffers.checkRange(dst, dstOffset, dstCapacity, "destination");
            byte[] in = bytes(src, srcOffset, PAGE_SIZE, page);
            int inOff = offset(src, srcOffset);
            int n;
            if (dst.hasArray()) {
                n = compressor.compress(in, inOff, PAGE_SIZE, dst.array(), dst.arrayOffset() + dstOffset, dstCapacity);
            } else {
                // the worst case of a page fits in the scratch: a larger capacity changes nothing
                n = compressor.compress(in, inOff, PAGE_SIZE, packed, 0, Math.min(dstCapacity, packed.length));
                if (n > 0) {
                    dst.put(dstOffset, packed, 0, n);
                }
            }
            if (n < 0) {
                throw new ErrnoException(Errno.EINVAL, name + " compression failed: " + LzoStatus.name(n)
                        + " (" + dstCapacity + " bytes of room)");
            }
            return n;
        }

        @Override
        public void decompress(ByteBuffer src, int srcOffset, int srcLength, ByteBuffer dst, int dstOffset) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, srcLength, "source");
            Buffers.checkRange(dst, dstOffset, PAGE_SIZE, "destination");
            if (!src.hasArray() && srcLength > packed.length) {
                throw Buffers.decompressFailed(name, srcLength + " bytes of input for one page", null);
            }
            byte[] in = bytes(src, srcOffset, srcLength, packed);
            int inOff = offset(src, srcOffset);
            int n;
            if (dst.hasArray()) {
                n = decompressor.decompress(in, inOff, srcLength, dst.array(), dst.arrayOffset() + dstOffset, PAGE_SIZE);
            } else {
                n = decompressor.decompress(in, inOff, srcLength, page, 0, PAGE_SIZE);
                if (n == PAGE_SIZE) {
                    dst.put(dstOffset, page, 0, PAGE_SIZE);
                }
            }
            if (n != PAGE_SIZE) {
                throw Buffers.decompressFailed(name, n < 0 ? LzoStatus.name(n) : "got " + n + " bytes, not a page", null);
            }
        }

        /** The array the codec reads: the buffer's own, or the scratch with the bytes copied in. */
        private static byte[] bytes(ByteBuffer b, int offset, int length, byte[] scratch) {
            if (b.hasArray()) {
                return b.array();
            }
            b.get(offset, scratch, 0, length);
            return scratch;
        }

        /** Where {@link #bytes} put the range. */
        private static int offset(ByteBuffer b, int offset) {
            return b.hasArray() ? b.arrayOffset() + offset : 0;
        }

        @Override
        public void close() {
            closed = true;
        }

        private void ensureOpen() {
            if (closed) {
                throw new IllegalStateException(name + " context is closed");
            }
        }
    }
}
