// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * {@code /sys/block/zramN/io_stat}: failed reads and writes (I/O errors zram returned) and slot
 * frees (discard, write-zeroes, swap free notifications). The kernel prints a retired
 * {@code invalid_io} column as a literal 0 between the second and third value.
 *
 * @param failedReads reads that failed (a page that did not decompress, a backing-file read error)
 * @param failedWrites writes that failed (ENOMEM from the memory limit, a compression error)
 * @param notifyFree slots freed by discard, write-zeroes or a swap free notification
 */
public record IoStat(long failedReads, long failedWrites, long notifyFree) {

    /**
     * The line as the kernel prints it: {@code %8llu %8llu 0 %8llu\n}.
     *
     * @return the four fields and a newline
     */
    public String sysfsLine() {
        return String.format("%8d %8d 0 %8d", failedReads, failedWrites, notifyFree) + "\n";
    }
}
