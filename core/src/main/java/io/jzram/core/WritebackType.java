// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * The writeback modes of {@code /sys/block/zramN/writeback} ({@code type=idle|huge|huge_idle|incompressible},
 * or the same word alone, the pre-6.16 form): which slots are selected.
 */
public enum WritebackType {
    /** Slots marked IDLE. */
    IDLE("idle", 1 << 1),
    /** Slots stored uncompressed. */
    HUGE("huge", 1 << 0),
    /** Slots both idle and huge. */
    HUGE_IDLE("huge_idle", (1 << 1) | (1 << 0)),
    /** Slots that no recompression algorithm could shrink. */
    INCOMPRESSIBLE("incompressible", 1 << 2);

    private final String word;
    private final int mode;

    WritebackType(String word, int mode) {
        this.word = word;
        this.mode = mode;
    }

    /** The word the attribute takes. */
    public String word() {
        return word;
    }

    int mode() {
        return mode;
    }

    /** parse_mode(): the type for a word, or null (the store answers EINVAL). */
    public static WritebackType fromWord(String word) {
        for (WritebackType t : values()) {
            if (t.word.equals(word)) {
                return t;
            }
        }
        return null;
    }
}
