// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * The writeback modes of {@code /sys/block/zramN/writeback} ({@code type=idle|huge|huge_idle|incompressible},
 * or the same word alone, the pre-6.16 form): which slots are selected (see {@link SlotSelection}).
 */
public enum WritebackType implements SlotSelection {
    /** Slots marked IDLE. */
    IDLE,
    /** Slots stored uncompressed. */
    HUGE,
    /** Slots both idle and huge. */
    HUGE_IDLE,
    /** Slots that no recompression algorithm could shrink. */
    INCOMPRESSIBLE;

    /**
     * parse_mode(): the type a store names.
     *
     * @param word the mode, e.g. {@code huge_idle}
     * @return the type, or null for a word that names none (the store answers EINVAL)
     */
    public static WritebackType fromWord(String word) {
        return SlotSelection.fromWord(WritebackType.class, word);
    }
}
