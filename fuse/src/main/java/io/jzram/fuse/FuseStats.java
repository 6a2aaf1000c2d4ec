// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * Counters of one mount's traffic since it was mounted (a snapshot).
 *
 * @param requests      requests read from the kernel, all opcodes
 * @param errors        replies with an error
 * @param reads         READ requests
 * @param readBytes     bytes answered to them
 * @param largestRead   the largest READ asked for, bytes
 * @param writes        WRITE requests
 * @param writeBytes    bytes they carried
 * @param largestWrite  the largest WRITE payload, bytes
 * @param protocolMinor the negotiated protocol minor version (0 before INIT)
 */
public record FuseStats(long requests, long errors, long reads, long readBytes, long largestRead, long writes,
        long writeBytes, long largestWrite, int protocolMinor) {
}
