// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

/**
 * One compression algorithm: {@code struct zcomp_ops} of drivers/block/zram/zcomp.h. Stateless and
 * thread-safe; all per-configuration state lives in the {@link ZcompConfig} that {@link #setup}
 * returns and all per-stream state in the {@link ZcompContext}s that config creates.
 */
public interface ZcompBackend {
    /** zram compresses whole pages of this size. */
    int PAGE_SIZE = 4096;

    /** The algorithm's name as {@code comp_algorithm} lists it ("lz4", "zstd", ...). */
    String name();

    /**
     * {@code setup_params}: checks the parameters, fills in this backend's defaults and prepares
     * what every stream shares.
     *
     * @throws io.jzram.kernel.ErrnoException EINVAL for parameters the backend refuses
     */
    ZcompConfig setup(ZcompParams params);
}
