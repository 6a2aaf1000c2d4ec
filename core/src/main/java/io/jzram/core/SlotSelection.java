// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.util.Locale;

/**
 * The {@code type=} words of the post-processing stores, {@link WritebackType} and
 * {@link RecompressType}, by one rule: a constant's word is its name in lower case, and it selects
 * the slots that carry every slot flag its name's parts name ({@code HUGE_IDLE}: the slots both
 * huge and idle). The kernel's mode bits ({@code IDLE_WRITEBACK}, {@code RECOMPRESS_HUGE}, ...) say
 * the same; its scans test the flags they stand for ({@code PpCtl.requiredFlags}).
 */
public interface SlotSelection {
    /** The constant's name (an enum's). */
    String name();

    /** The word the attribute takes. */
    default String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** parse_mode(): the constant of {@code type} whose word is {@code word}, or null (the store answers EINVAL). */
    static <E extends Enum<E> & SlotSelection> E fromWord(Class<E> type, String word) {
        for (E e : type.getEnumConstants()) {
            if (e.word().equals(word)) {
                return e;
            }
        }
        return null;
    }
}
