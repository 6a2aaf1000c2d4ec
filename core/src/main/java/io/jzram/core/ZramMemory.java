// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * What one device holds now, for leak checks: the pool's native chunks (Chronicle), the pool pages
 * in use, the slot table on the heap, its compressors' off-heap stream buffers, and the backing
 * file's block bitmap. All zero after a reset.
 *
 * @param poolReservedBytes native bytes the pool has reserved (its chunks)
 * @param poolPages pool pages in use
 * @param tableHeapBytes heap bytes of the slot table
 * @param streamBytes off-heap bytes of the compressors' per-CPU stream buffers
 * @param backingBitmapBytes heap bytes of the backing file's block bitmap
 */
public record ZramMemory(long poolReservedBytes, long poolPages, long tableHeapBytes, long streamBytes, long backingBitmapBytes) {

    /**
     * Off-heap bytes: pool chunks and stream buffers.
     *
     * @return {@code poolReservedBytes + streamBytes}
     */
    public long nativeBytes() {
        return poolReservedBytes + streamBytes;
    }

    /**
     * Off-heap bytes the whole process holds through the store's allocator now (every device and
     * machine together), after releasing what is pending release: the figure a leak check compares
     * before and after a run.
     *
     * @return bytes
     */
    public static long processNativeBytes() {
        BackgroundResourceReleaser.releasePendingResources();
        return OS.memory().nativeMemoryUsed();
    }
}
