// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * {@code /sys/block/zramN/bd_stat}, in 4 KiB units: blocks of the backing file in use, pages read
 * back from it, pages written to it.
 *
 * @param bdCount blocks of the backing file in use
 * @param bdReads pages read back from the backing file
 * @param bdWrites pages written to the backing file
 */
public record BdStat(long bdCount, long bdReads, long bdWrites) {

    /**
     * The line as the kernel prints it: {@code %8llu %8llu %8llu\n}.
     *
     * @return the three counters and a newline
     */
    public String sysfsLine() {
        return String.format("%8d %8d %8d", bdCount, bdReads, bdWrites) + "\n";
    }
}
