// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * The zstd backend (drivers/block/zram/backend_zstd.c) on zstd-jni.
 *
 * <p>Level: {@code ZSTD_defaultCLevel()} (3) when unset; any other value goes to zstd, which clamps
 * it to its range as the kernel's {@code zstd_get_params} does. Each context owns a
 * {@code ZstdCompressCtx} and a {@code ZstdDecompressCtx} (the kernel's per-stream cctx/dctx).
 * A dictionary ({@code dict=PATH}, raw content or a trained zstd dictionary) is prepared once per
 * config as a {@code ZstdDictCompress} at the level and a {@code ZstdDictDecompress}, and every
 * context references them, like the kernel's CDict/DDict in {@code params->drv_data}.
 *
 * <p>Frames are plain zstd frames (magic, content size, no checksum), as the kernel writes them.
 *
 * <p>Allocation: on JDK 17 the calls are JNI and allocate nothing. On JDK 22+ zstd-jni binds
 * through the FFM API and wraps each buffer in a MemorySegment per call; C2 usually scalar-replaces
 * those once the call site is hot (on Temurin 25 the direct/direct path is allocation-free within a
 * few thousand calls, the paths with a heap array after ~10^5), but not always: under load, or with
 * a call-site profile that saw many buffer kinds, it has been seen to settle at ~28 bytes per call.
 */
public final class ZstdBackend implements ZcompBackend {

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public ZcompConfig setup(ZcompParams params) {
        int level = params.hasLevel() ? params.level() : Zstd.defaultCompressionLevel();
        return new Config(params.withLevel(level));
    }

    private final class Config implements ZcompConfig {
        private final ZcompParams params;
        private final ZstdDictCompress cdict;
        private final ZstdDictDecompress ddict;

        Config(ZcompParams params) {
            this.params = params;
            if (params.hasDictionary()) {
                byte[] dict = params.dictionaryBytes();
                this.cdict = new ZstdDictCompress(dict, clamp(params.level()));
                this.ddict = new ZstdDictDecompress(dict);
            } else {
                this.cdict = null;
                this.ddict = null;
            }
        }

        @Override
        public ZcompBackend backend() {
            return ZstdBackend.this;
        }

        @Override
        public ZcompParams params() {
            return params;
        }

        @Override
        public ZcompContext createContext() {
            ZstdCompressCtx cctx = new ZstdCompressCtx();
            ZstdDecompressCtx dctx = new ZstdDecompressCtx();
            cctx.setLevel(clamp(params.level()));
            if (cdict != null) {
                cctx.loadDict(cdict);
                dctx.loadDict(ddict);
            }
            return new ZstdContext(cctx, dctx);
        }

        @Override
        public void close() {
            if (cdict != null) {
                cdict.close();
                ddict.close();
            }
        }
    }

    private static int clamp(int level) {
        return Math.max(Zstd.minCompressionLevel(), Math.min(Zstd.maxCompressionLevel(), level));
    }

    /** One stream's zstd state. */
    static final class ZstdContext implements ZcompContext {
        private final ZstdCompressCtx cctx;
        private final ZstdDecompressCtx dctx;
        /** Bridges a buffer pair the JNI calls cannot take as is (heap with direct, read-only heap). */
        private final byte[] heapScratch = new byte[2 * PAGE_SIZE];
        private final ByteBuffer directScratch = ByteBuffer.allocateDirect(2 * PAGE_SIZE);
        private boolean closed;

        ZstdContext(ZstdCompressCtx cctx, ZstdDecompressCtx dctx) {
            this.cctx = cctx;
            this.dctx = dctx;
        }

        @Override
        public int compress(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int dstCapacity) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, PAGE_SIZE, "source");
            Buffers.checkRange(dst, dstOffset, dstCapacity, "destination");
            if (!Buffers.addressable(dst)) {
                throw new ReadOnlyBufferException();
            }
            try {
                if (dst.isDirect()) {
                    if (!src.isDirect()) {
                        directScratch.put(0, src, srcOffset, PAGE_SIZE);
                        src = directScratch;
                        srcOffset = 0;
                    }
                    return cctx.compressDirectByteBuffer(dst, dstOffset, dstCapacity, src, srcOffset, PAGE_SIZE);
                }
                byte[] in;
                int inOff;
                if (src.hasArray()) {
                    in = src.array();
                    inOff = src.arrayOffset() + srcOffset;
                } else {
                    src.get(srcOffset, heapScratch, 0, PAGE_SIZE);
                    in = heapScratch;
                    inOff = 0;
                }
                return cctx.compressByteArray(dst.array(), dst.arrayOffset() + dstOffset, dstCapacity, in, inOff, PAGE_SIZE);
            } catch (RuntimeException e) {
                throw Buffers.compressFailed("zstd", e);
            }
        }

        @Override
        public void decompress(ByteBuffer src, int srcOffset, int srcLength, ByteBuffer dst, int dstOffset) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, srcLength, "source");
            Buffers.checkRange(dst, dstOffset, PAGE_SIZE, "destination");
            if (!Buffers.addressable(dst)) {
                throw new ReadOnlyBufferException();
            }
            int n;
            try {
                if (dst.isDirect()) {
                    if (src.isDirect()) {
                        n = dctx.decompressDirectByteBuffer(dst, dstOffset, PAGE_SIZE, src, srcOffset, srcLength);
                    } else if (src.hasArray()) {
                        n = dctx.decompressByteArrayToDirectByteBuffer(dst, dstOffset, PAGE_SIZE, src.array(),
                                src.arrayOffset() + srcOffset, srcLength);
                    } else {
                        byte[] in = copyIn(src, srcOffset, srcLength);
                        n = dctx.decompressByteArrayToDirectByteBuffer(dst, dstOffset, PAGE_SIZE, in, 0, srcLength);
                    }
                } else {
                    byte[] out = dst.array();
                    int outOff = dst.arrayOffset() + dstOffset;
                    if (src.isDirect()) {
                        n = dctx.decompressDirectByteBufferToByteArray(out, outOff, PAGE_SIZE, src, srcOffset, srcLength);
                    } else if (src.hasArray()) {
                        n = dctx.decompressByteArray(out, outOff, PAGE_SIZE, src.array(), src.arrayOffset() + srcOffset, srcLength);
                    } else {
                        byte[] in = copyIn(src, srcOffset, srcLength);
                        n = dctx.decompressByteArray(out, outOff, PAGE_SIZE, in, 0, srcLength);
                    }
                }
            } catch (RuntimeException e) {
                throw Buffers.decompressFailed("zstd", e.getMessage(), e);
            }
            if (n != PAGE_SIZE) {
                throw Buffers.decompressFailed("zstd", "got " + n + " bytes, not a page", null);
            }
        }

        private byte[] copyIn(ByteBuffer src, int srcOffset, int srcLength) {
            if (srcLength > heapScratch.length) {
                throw Buffers.decompressFailed("zstd", srcLength + " bytes of input for one page", null);
            }
            src.get(srcOffset, heapScratch, 0, srcLength);
            return heapScratch;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            cctx.close();
            dctx.close();
        }

        private void ensureOpen() {
            if (closed) {
                throw new IllegalStateException("zstd context is closed");
            }
        }
    }
}
