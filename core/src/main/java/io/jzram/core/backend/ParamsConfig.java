// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import java.util.Objects;
import java.util.function.Function;

/**
 * The {@link ZcompConfig} of a backend whose streams share nothing but the parameters (lz4, lz4hc,
 * deflate, and any backend like them): nothing is prepared at setup and nothing is released at
 * close; each context is made from the parameters by the backend's own factory. A backend that
 * prepares shared state (zstd's dictionaries) has a config of its own.
 */
final class ParamsConfig implements ZcompConfig {
    private final ZcompBackend backend;
    private final ZcompParams params;
    private final Function<ZcompParams, ZcompContext> contexts;

    /**
     * @param params the parameters with the backend's defaults filled in
     * @param contexts {@code create_ctx}: a new context for these parameters
     */
    ParamsConfig(ZcompBackend backend, ZcompParams params, Function<ZcompParams, ZcompContext> contexts) {
        this.backend = Objects.requireNonNull(backend);
        this.params = Objects.requireNonNull(params);
        this.contexts = Objects.requireNonNull(contexts);
    }

    @Override
    public ZcompBackend backend() {
        return backend;
    }

    @Override
    public ZcompParams params() {
        return params;
    }

    @Override
    public ZcompContext createContext() {
        return contexts.apply(params);
    }

    @Override
    public void close() {
    }
}
