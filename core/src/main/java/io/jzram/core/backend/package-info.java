// SPDX-License-Identifier: GPL-2.0-only
/**
 * Compression backends of the zram compression frontend (drivers/block/zram/backend_*.c).
 *
 * <p>The split mirrors the kernel's: a {@link io.jzram.core.backend.ZcompBackend} is the
 * {@code struct zcomp_ops} of one algorithm; {@link io.jzram.core.backend.ZcompParams} are the
 * immutable {@code struct zcomp_params} a user configures (level, dictionary, deflate window bits);
 * {@link io.jzram.core.backend.ZcompBackend#setup} validates them and fills in defaults
 * ({@code setup_params}), giving a {@link io.jzram.core.backend.ZcompConfig} that holds what all
 * streams share (a prepared zstd dictionary) and creates one
 * {@link io.jzram.core.backend.ZcompContext} ({@code struct zcomp_ctx}) per stream. Contexts are
 * single-threaded; zram's per-CPU stream lock serialises their use. A backend whose streams share
 * nothing but the parameters (lz4, lz4hc, deflate) returns the package's {@code ParamsConfig} with
 * its context factory; one that prepares shared state (zstd's dictionaries) has a config of its own.
 *
 * <p>{@link io.jzram.core.backend.ZcompBackends} lists the backends that really run here, in the
 * kernel's order. 842 is not offered: see that class. lzo and lzo-rle are
 * {@link io.jzram.core.backend.LzoBackend}, on the codec in {@link io.jzram.core.backend.lzo}.
 */
package io.jzram.core.backend;
