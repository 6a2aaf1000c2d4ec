// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/** {@code type=} of {@code /sys/block/zramN/recompress}: which slots are recompressed (see {@link SlotSelection}). */
public enum RecompressType implements SlotSelection {
    /** Slots marked IDLE. */
    IDLE,
    /** Slots stored uncompressed. */
    HUGE,
    /** Slots both huge and idle. */
    HUGE_IDLE;

    /** The type for a word, or null (the store answers EINVAL). */
    public static RecompressType fromWord(String word) {
        return SlotSelection.fromWord(RecompressType.class, word);
    }
}
