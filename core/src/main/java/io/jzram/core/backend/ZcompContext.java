// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import java.nio.ByteBuffer;

/**
 * A per-stream codec context: {@code struct zcomp_ctx} plus the backend's compress/decompress.
 * Not thread-safe; the owner (a zram stream, under its lock) uses it from one thread at a time.
 *
 * <p>Offsets are absolute: positions and limits of the buffers are neither read nor changed, so a
 * context can work directly on a pool chunk's shared view. Heap and direct buffers are accepted
 * in any combination. The lz4 and zstd contexts allocate nothing on the heap per call (a
 * combination the codec library cannot take directly is bridged through the context's own
 * scratch buffer); errors throw {@link io.jzram.kernel.ErrnoException} (EINVAL), allocated then.
 */
public interface ZcompContext extends AutoCloseable {

    /**
     * Compresses the {@link ZcompBackend#PAGE_SIZE} bytes at {@code src[srcOffset]} into
     * {@code dst[dstOffset .. dstOffset + dstCapacity)}.
     *
     * @return the compressed length
     * @throws io.jzram.kernel.ErrnoException EINVAL when the codec fails or the result does not fit
     */
    int compress(ByteBuffer src, int srcOffset, ByteBuffer dst, int dstOffset, int dstCapacity);

    /**
     * Decompresses {@code srcLength} bytes at {@code src[srcOffset]} into exactly
     * {@link ZcompBackend#PAGE_SIZE} bytes at {@code dst[dstOffset]}.
     *
     * @throws io.jzram.kernel.ErrnoException EINVAL when the input is corrupt or does not decode
     *     to exactly one page
     */
    void decompress(ByteBuffer src, int srcOffset, int srcLength, ByteBuffer dst, int dstOffset);

    /** {@code destroy_ctx}: frees the codec's native state. Idempotent. */
    @Override
    void close();
}
