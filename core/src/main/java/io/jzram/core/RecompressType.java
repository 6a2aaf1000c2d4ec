// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/** {@code type=} of {@code /sys/block/zramN/recompress}: which slots are recompressed. */
public enum RecompressType {
    IDLE("idle", 1 << 0),
    HUGE("huge", 1 << 1),
    HUGE_IDLE("huge_idle", (1 << 0) | (1 << 1));

    private final String word;
    private final int mode;

    RecompressType(String word, int mode) {
        this.word = word;
        this.mode = mode;
    }

    public String word() {
        return word;
    }

    int mode() {
        return mode;
    }

    /** The type for a word, or null (the store answers EINVAL). */
    public static RecompressType fromWord(String word) {
        for (RecompressType t : values()) {
            if (t.word.equals(word)) {
                return t;
            }
        }
        return null;
    }
}
