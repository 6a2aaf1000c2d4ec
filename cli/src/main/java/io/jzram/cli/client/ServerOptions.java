// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import picocli.CommandLine.Option;

/** How a client command finds the server: the control plane's port on 127.0.0.1. */
public final class ServerOptions {

    /** The control plane's default port (NBD's is 10809). */
    public static final int DEFAULT_HTTP_PORT = 10810;

    @Option(names = "--http-port", paramLabel = "N",
            description = "control plane port of the running `jzram serve` (default: $JZRAM_HTTP_PORT, else "
                    + DEFAULT_HTTP_PORT + ")",
            defaultValue = "${env:JZRAM_HTTP_PORT:-" + DEFAULT_HTTP_PORT + "}")
    int httpPort;

    public int httpPort() {
        return httpPort;
    }

    public ControlClient client() {
        return new ControlClient(httpPort);
    }
}
