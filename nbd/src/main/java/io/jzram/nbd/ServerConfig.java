// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.time.Duration;

/**
 * The limits a server runs with, fixed at {@link NbdServer.Builder#start()}: advertised block sizes
 * (NBD_INFO_BLOCK_SIZE), the per-connection memory budget (requests and payload bytes in flight),
 * the worker pool size, the largest request served on a connection's reader thread, how long a client may take to finish the handshake, and how many
 * connections may be open at once.
 */
record ServerConfig(int minimumBlockSize, int maximumPayload, int maxInFlightRequests,
                    int maxInFlightBytes, int workerThreads, Duration handshakeTimeout,
                    int maxConnections, int maxBlockStatusExtents, int inlineRequestBytes) {

    /** The preferred block size for a device: its logical block size, at least 512 and the minimum. */
    int preferredBlockSize(int logicalBlockSize) {
        int p = Integer.highestOneBit(Math.max(logicalBlockSize, 512));
        return Math.min(Math.max(p, minimumBlockSize), maximumPayload);
    }
}
