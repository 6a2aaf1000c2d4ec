// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.nio.ByteBuffer;

/**
 * The bytes of one reply, ready for a gathering write (a simple reply, or all chunks of a
 * structured reply), and the part of the connection's memory budget that the request held until
 * the reply has been written.
 */
final class Reply {
    final ByteBuffer[] buffers;
    int budgetBytes;

    Reply(ByteBuffer... buffers) {
        this.buffers = buffers;
    }
}
