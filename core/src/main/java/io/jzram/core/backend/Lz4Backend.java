// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The lz4 and lz4hc backends (drivers/block/zram/backend_lz4.c, backend_lz4hc.c) on lz4-java
 * (the maintained {@code at.yawk.lz4} fork).
 *
 * <p>lz4: the level is the acceleration ({@code LZ4_ACCELERATION_DEFAULT} = 1 when unset; values
 * below 1 mean 1, as in the LZ4 library). lz4hc: the level is the HC level
 * ({@code LZ4HC_DEFAULT_CLEVEL} = 9 when unset; below 1 means 9, above 12 means 12, as LZ4 clamps).
 * Each context owns a JNI "fast reset" compressor (state reused across calls, not thread-safe,
 * closed with the context) and uses the safe decompressor, which never writes past the page.
 *
 * <p>Dictionaries: the kernel's lz4 backends accept {@code dict=}; lz4-java has no dictionary API,
 * so a dictionary is refused here with EINVAL rather than silently ignored.
 *
 * <p>Where the JNI library cannot be loaded, lz4-java's pure-Java compressor is used and the
 * acceleration has no effect.
 */
public final class Lz4Backend implements ZcompBackend {
    /** LZ4_ACCELERATION_DEFAULT. */
    public static final int DEFAULT_ACCELERATION = 1;
    /** LZ4HC_DEFAULT_CLEVEL. */
    public static final int DEFAULT_HC_LEVEL = 9;
    /** LZ4HC_CLEVEL_MAX. */
    public static final int MAX_HC_LEVEL = 12;

    private final boolean high;
    private final LZ4Factory factory;

    private Lz4Backend(boolean high, LZ4Factory factory) {
        this.high = high;
        this.factory = factory;
    }

    /** The "lz4" backend. */
    public static Lz4Backend lz4() {
        return new Lz4Backend(false, LZ4Factory.fastestInstance());
    }

    /** The "lz4hc" backend. */
    public static Lz4Backend lz4hc() {
        return new Lz4Backend(true, LZ4Factory.fastestInstance());
    }

    @Override
    public String name() {
        return high ? "lz4hc" : "lz4";
    }

    @Override
    public ZcompConfig setup(ZcompParams params) {
        if (params.hasDictionary()) {
            throw new ErrnoException(Errno.EINVAL, name() + ": dictionaries are not supported (lz4-java has no dictionary API)");
        }
        int level = params.hasLevel() ? params.level() : high ? DEFAULT_HC_LEVEL : DEFAULT_ACCELERATION;
        return new ParamsConfig(this, params.withLevel(level), this::createContext);
    }

    private int effectiveLevel(int level) {
        if (high) {
            return level < 1 ? DEFAULT_HC_LEVEL : Math.min(level, MAX_HC_LEVEL);
        }
        return Math.max(level, 1);
    }

    /** {@code create_ctx}: a JNI fast-reset compressor where it loads, else the pure-Java one. */
    private ZcompContext createContext(ZcompParams params) {
        int level = effectiveLevel(params.level());
        LZ4Compressor compressor;
        AutoCloseable closer = null;
        try {
            if (high) {
                var c = factory.highFastResetCompressor(level);
                compressor = c;
                closer = c;
            } else {
                var c = factory.fastResetCompressor(level);
                compressor = c;
                closer = c;
            }
        } catch (UnsupportedOperationException | LinkageError e) {
            compressor = high ? factory.highCompressor(level) : factory.fastCompressor();
        }
        return new Lz4Context(name(), compressor, closer, factory.safeDecompressor());
    }

    /** One stream's lz4 state. */
    static final class Lz4Context implements ZcompContext {
        private final String name;
        private final LZ4Compressor compressor;
        private final AutoCloseable closer;
        private final LZ4SafeDecompressor decompressor;
        /** For read-only heap buffers, which the codec cannot address. */
        private final ByteBuffer scratch = ByteBuffer.allocate(2 * PAGE_SIZE);
        private boolean closed;

        Lz4Context(String name, LZ4Compressor compressor, AutoCloseable closer, LZ4SafeDecompressor decompressor) {
            this.name = name;
            this.compressor = compressor;
            this.closer = closer;
            this.decompressor = decompressor;
        }

        @Override
        public int compress(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int dstCapacity) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, PAGE_SIZE, "source");
            Buffers.checkRange(dst, dstOffset, dstCapacity, "destination");
            if (!Buffers.addressable(src)) {
                scratch.put(0, src, srcOffset, PAGE_SIZE);
                src = scratch;
                srcOffset = 0;
            }
            try {
                return compressor.compress(src, srcOffset, PAGE_SIZE, dst, dstOffset, dstCapacity);
            } catch (LZ4Exception e) {
                throw Buffers.compressFailed(name, e);
            }
        }

        @Override
        public void decompress(ByteBuffer src, int srcOffset, int srcLength, ByteBuffer dst, int dstOffset) {
            ensureOpen();
            Buffers.checkRange(src, srcOffset, srcLength, "source");
            Buffers.checkRange(dst, dstOffset, PAGE_SIZE, "destination");
            if (!Buffers.addressable(src)) {
                if (srcLength > scratch.capacity()) {
                    throw Buffers.decompressFailed(name, srcLength + " bytes of input for one page", null);
                }
                scratch.put(0, src, srcOffset, srcLength);
                src = scratch;
                srcOffset = 0;
            }
            int n;
            try {
                n = decompressor.decompress(src, srcOffset, srcLength, dst, dstOffset, PAGE_SIZE);
            } catch (LZ4Exception e) {
                throw Buffers.decompressFailed(name, e.getMessage(), e);
            }
            if (n != PAGE_SIZE) {
                throw Buffers.decompressFailed(name, "got " + n + " bytes, not a page", null);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (closer != null) {
                try {
                    closer.close();
                } catch (Exception e) {
                    throw new IllegalStateException(name + ": closing the compressor failed", e);
                }
            }
        }

        private void ensureOpen() {
            if (closed) {
                throw new IllegalStateException(name + " context is closed");
            }
        }
    }
}
