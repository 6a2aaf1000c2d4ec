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

    /**
     * The type a store names.
     *
     * @param word the value of {@code type=}, e.g. {@code huge_idle}
     * @return the type, or null for a word that names none (the store answers EINVAL)
     */
    public static RecompressType fromWord(String word) {
        return SlotSelection.fromWord(RecompressType.class, word);
    }
}
