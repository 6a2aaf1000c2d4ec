// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import io.jzram.kernel.block.BlockDevice;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One export: the name a client asks for, a description for humans (NBD_INFO_DESCRIPTION and the
 * detail of NBD_REP_SERVER), the block device behind it, and whether clients may write.
 *
 * <p>The server opens the device ({@link BlockDevice#open()}) for the lifetime of each connection
 * that enters transmission on this export, so a device with clients cannot be reset or removed
 * under them (EBUSY, as for a mounted /dev/zramN); a device that is being reset, or has no disksize,
 * refuses new connections.
 */
public record Export(String name, String description, BlockDevice device, boolean readOnly) {

    public Export {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        description = description == null ? "" : description;
        if (name.getBytes(StandardCharsets.UTF_8).length > NbdProtocol.MAX_STRING_LENGTH) {
            throw new IllegalArgumentException("export name longer than 4096 bytes");
        }
        if (name.indexOf('\0') >= 0 || description.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in export name or description");
        }
    }

    /** A writable export named after the device, without description. */
    public static Export of(BlockDevice device) {
        return new Export(device.name(), "", device, false);
    }
}
