// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.nio.ByteBuffer;

/**
 * One parsed transmission request (proto.md, "Request message"): command flags and type, the
 * client's opaque cookie, offset and length as unsigned values widened to long, and the payload of
 * an NBD_CMD_WRITE (null otherwise).
 */
record Request(int flags, int type, long cookie, long offset, long length, ByteBuffer payload) {

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    public String toString() {
        return NbdProtocol.commandName(type) + "(flags=0x" + Integer.toHexString(flags) + ", offset="
                + Long.toUnsignedString(offset) + ", length=" + length + ")";
    }
}
