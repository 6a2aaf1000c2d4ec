// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * What one device holds now, for leak checks: the pool's native chunks (Chronicle), the pool pages
 * in use, the slot table on the heap, its compressors' off-heap stream buffers, and the backing
 * file's block bitmap. All zero after a reset.
 */
public record ZramMemory(long poolReservedBytes, long poolPages, long tableHeapBytes, long streamBytes, long backingBitmapBytes) {

    /** Off-heap bytes: pool chunks and stream buffers. */
    public long nativeBytes() {
        return poolReservedBytes + streamBytes;
    }
}
