// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * One page codec without the device, the baseline the benchmarks (JMH and {@code jzram bench})
 * measure the device against: the same library calls, with the same defaults, that the backends in
 * this package make for a direct buffer pair:
 * <ul>
 *   <li>{@code lz4}: lz4-java's JNI fast-reset compressor at acceleration 1, the safe decompressor;</li>
 *   <li>{@code lz4hc}: the JNI high fast-reset compressor at level 9, the safe decompressor;</li>
 *   <li>{@code zstd}: a {@code ZstdCompressCtx} at the default level (3) and a
 *       {@code ZstdDecompressCtx}, direct-buffer calls;</li>
 *   <li>{@code deflate}: java.util.zip raw deflate at the default level (6), through the
 *       context's own arrays (a page copied in and out, as the backend does for direct buffers).</li>
 *   <li>{@code lzo-rle}, {@code lzo}: a context of {@link LzoBackend} itself (the pure-Java codec
 *       in {@link io.jzram.core.backend.lzo}; direct buffers go through its page scratch).</li>
 * </ul>
 * Not thread-safe (one per thread, as one per stream in the device); {@link #close()} frees the
 * native state. Keep it in step with the backends.
 */
public abstract class RawCodec implements AutoCloseable {
    private static final int PAGE = 4096;

    /** The algorithms that have a raw baseline (jzram-core's backends). */
    public static final List<String> ALGORITHMS = List.of("lzo-rle", "lzo", "lz4", "lz4hc", "zstd", "deflate");

    /** Compresses the page at {@code src[srcOff]} into {@code dst[dstOff..dstOff+cap)}; returns the length. */
    public abstract int compress(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int cap);

    /** Decompresses {@code len} bytes at {@code src[srcOff]} into one page at {@code dst[dstOff]}; returns its length. */
    public abstract int decompress(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff);

    @Override
    public abstract void close();

    /** A new codec for the algorithm (one of {@link #ALGORITHMS}). */
    public static RawCodec of(String algorithm) {
        return switch (algorithm) {
            case "lz4" -> new Lz4(false);
            case "lz4hc" -> new Lz4(true);
            case "zstd" -> new ZstdCodec();
            case "deflate" -> new DeflateCodec();
            case "lzo-rle" -> new Lzo(LzoBackend.lzoRle());
            case "lzo" -> new Lzo(LzoBackend.lzo());
            default -> throw new IllegalArgumentException("no raw codec for " + algorithm + " (have " + String.join(", ", ALGORITHMS) + ")");
        };
    }

    private static final class Lz4 extends RawCodec {
        private final LZ4Compressor compressor;
        private final AutoCloseable closer;
        private final LZ4SafeDecompressor decompressor = LZ4Factory.fastestInstance().safeDecompressor();

        Lz4(boolean high) {
            if (high) {
                var c = LZ4Factory.fastestInstance().highFastResetCompressor(9);
                compressor = c;
                closer = c;
            } else {
                var c = LZ4Factory.fastestInstance().fastResetCompressor(1);
                compressor = c;
                closer = c;
            }
        }

        @Override
        public int compress(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int cap) {
            return compressor.compress(src, srcOff, PAGE, dst, dstOff, cap);
        }

        @Override
        public int decompress(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff) {
            return decompressor.decompress(src, srcOff, len, dst, dstOff, PAGE);
        }

        @Override
        public void close() {
            try {
                closer.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The backend's own context: the codec is Java, so there is no lower-level call to make. */
    private static final class Lzo extends RawCodec {
        private final ZcompConfig config;
        private final ZcompContext ctx;

        Lzo(LzoBackend backend) {
            config = backend.setup(ZcompParams.defaults());
            ctx = config.createContext();
        }

        @Override
        public int compress(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int cap) {
            return ctx.compress(src, srcOff, dst, dstOff, cap);
        }

        @Override
        public int decompress(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff) {
            ctx.decompress(src, srcOff, len, dst, dstOff);
            return PAGE;
        }

        @Override
        public void close() {
            ctx.close();
            config.close();
        }
    }

    private static final class ZstdCodec extends RawCodec {
        private final ZstdCompressCtx cctx = new ZstdCompressCtx();
        private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();

        ZstdCodec() {
            cctx.setLevel(Zstd.defaultCompressionLevel());
        }

        @Override
        public int compress(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int cap) {
            return cctx.compressDirectByteBuffer(dst, dstOff, cap, src, srcOff, PAGE);
        }

        @Override
        public int decompress(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff) {
            return dctx.decompressDirectByteBuffer(dst, dstOff, PAGE, src, srcOff, len);
        }

        @Override
        public void close() {
            cctx.close();
            dctx.close();
        }
    }

    private static final class DeflateCodec extends RawCodec {
        private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        private final Inflater inflater = new Inflater(true);
        private final byte[] in = new byte[2 * PAGE];
        private final byte[] out = new byte[2 * PAGE];

        @Override
        public int compress(ByteBuffer src, int srcOff, ByteBuffer dst, int dstOff, int cap) {
            deflater.reset();
            src.get(srcOff, in, 0, PAGE);
            deflater.setInput(in, 0, PAGE);
            deflater.finish();
            int room = Math.min(cap, out.length);
            int n = 0;
            while (!deflater.finished() && n < room) {
                int k = deflater.deflate(out, n, room - n);
                if (k == 0) {
                    break;
                }
                n += k;
            }
            dst.put(dstOff, out, 0, n);
            return n;
        }

        @Override
        public int decompress(ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff) {
            inflater.reset();
            src.get(srcOff, in, 0, len);
            inflater.setInput(in, 0, len);
            int n = 0;
            try {
                while (n < PAGE && !inflater.finished()) {
                    int k = inflater.inflate(out, n, PAGE - n);
                    if (k == 0) {
                        break;
                    }
                    n += k;
                }
            } catch (DataFormatException e) {
                throw new IllegalStateException(e);
            }
            dst.put(dstOff, out, 0, n);
            return n;
        }

        @Override
        public void close() {
            deflater.end();
            inflater.end();
        }
    }
}
