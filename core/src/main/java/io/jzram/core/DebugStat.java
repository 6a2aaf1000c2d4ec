// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * {@code /sys/block/zramN/debug_stat}: format version 1; the retired writestall as a literal 0;
 * {@code miss_free}, slot free notifications that found the slot locked and gave up.
 *
 * @param version the format version (1)
 * @param missFree slot free notifications that found the slot locked and gave up
 */
public record DebugStat(int version, long missFree) {

    /**
     * The text as the kernel prints it: {@code version: %d\n0 %8llu\n}.
     *
     * @return the two lines
     */
    public String sysfsText() {
        return "version: " + version + "\n0 " + String.format("%8d", missFree) + "\n";
    }
}
