// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import io.jzram.kernel.block.BlockDevice;

/**
 * What the handshake agreed for the transmission phase of one connection: the export and the open
 * reference on its device (closed when the connection ends), the export size and transmission
 * flags sent to the client, whether structured replies were negotiated, and the metadata context
 * id of {@code base:allocation} (0 when the client did not select it for this export).
 */
record Session(Export export, BlockDevice.Opener opener, long size, int transmissionFlags,
               boolean structuredReplies, int allocationContextId) {

    BlockDevice device() {
        return export.device();
    }

    boolean readOnly() {
        return export.readOnly();
    }
}
