// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

/**
 * A backend with its parameters set up ({@code zcomp_params} after {@code setup_params}, including
 * the driver data the kernel keeps in {@code params->drv_data}, e.g. a prepared zstd dictionary).
 * Thread-safe; creates the per-stream contexts. {@link #close()} is {@code release_params}: close
 * every context created from this config first.
 */
public interface ZcompConfig extends AutoCloseable {
    ZcompBackend backend();

    /** The parameters in force, defaults filled in (level is never {@link ZcompParams#NOT_SET}). */
    ZcompParams params();

    /**
     * {@code create_ctx}: a new per-stream context.
     *
     * @throws io.jzram.kernel.ErrnoException ENOMEM when the codec cannot allocate its state
     */
    ZcompContext createContext();

    @Override
    void close();
}
