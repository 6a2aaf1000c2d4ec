// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * {@code /sys/block/zramN/stat}: the block layer's 17 per-disk counters (Documentation/block/stat.rst)
 * for the I/O submitted to the device. zram accounts its reads and writes
 * ({@code bio_start_io_acct}/{@code bio_end_io_acct}); discards, write-zeroes and flushes do not
 * reach the accounting on zram, so their fields stay 0, as on the real kernel. Times are in
 * milliseconds; sectors are 512 bytes; an unaligned request counts its bytes rounded up to sectors.
 *
 * @param readIos read requests completed
 * @param readMerges read requests merged (0: zram takes bios, nothing merges)
 * @param readSectors 512-byte sectors read
 * @param readTicks milliseconds spent reading
 * @param writeIos write requests completed
 * @param writeMerges write requests merged (0)
 * @param writeSectors 512-byte sectors written
 * @param writeTicks milliseconds spent writing
 * @param inFlight requests in flight now
 * @param ioTicks milliseconds the device had requests in flight
 * @param timeInQueue milliseconds of requests in flight, summed over the requests
 * @param discardIos discard requests completed
 * @param discardMerges discard requests merged
 * @param discardSectors sectors discarded
 * @param discardTicks milliseconds spent discarding
 * @param flushIos flush requests completed
 * @param flushTicks milliseconds spent flushing
 */
public record BlockStat(long readIos, long readMerges, long readSectors, long readTicks,
        long writeIos, long writeMerges, long writeSectors, long writeTicks,
        long inFlight, long ioTicks, long timeInQueue,
        long discardIos, long discardMerges, long discardSectors, long discardTicks,
        long flushIos, long flushTicks) {

    /**
     * The 17 values in file order.
     *
     * @return a new array of the 17 counters
     */
    public long[] values() {
        return new long[] {readIos, readMerges, readSectors, readTicks, writeIos, writeMerges, writeSectors, writeTicks,
            inFlight, ioTicks, timeInQueue, discardIos, discardMerges, discardSectors, discardTicks, flushIos, flushTicks};
    }

    /**
     * The line as the kernel prints it: 17 values {@code %8lu}, space separated, then a newline.
     *
     * @return the 17 counters and a newline
     */
    public String sysfsLine() {
        StringBuilder sb = new StringBuilder(17 * 9);
        long[] v = values();
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%8d", v[i]));
        }
        return sb.append('\n').toString();
    }
}
