// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

/**
 * The result codes of the kernel's LZO functions (include/linux/lzo.h): the compressor and the
 * decompressor here return a length (0 or more) on success and one of these (negative) otherwise.
 */
public final class LzoStatus {
    private LzoStatus() {
    }

    public static final int LZO_E_OK = 0;
    public static final int LZO_E_ERROR = -1;
    public static final int LZO_E_INPUT_OVERRUN = -4;
    public static final int LZO_E_OUTPUT_OVERRUN = -5;
    public static final int LZO_E_LOOKBEHIND_OVERRUN = -6;
    public static final int LZO_E_INPUT_NOT_CONSUMED = -8;

    /** The code's name, as the kernel's header spells it (for error messages). */
    public static String name(int code) {
        return switch (code) {
            case LZO_E_OK -> "LZO_E_OK";
            case LZO_E_ERROR -> "LZO_E_ERROR";
            case LZO_E_INPUT_OVERRUN -> "LZO_E_INPUT_OVERRUN";
            case LZO_E_OUTPUT_OVERRUN -> "LZO_E_OUTPUT_OVERRUN";
            case LZO_E_LOOKBEHIND_OVERRUN -> "LZO_E_LOOKBEHIND_OVERRUN";
            case LZO_E_INPUT_NOT_CONSUMED -> "LZO_E_INPUT_NOT_CONSUMED";
            default -> code >= 0 ? "length " + code : "LZO error " + code;
        };
    }
}
