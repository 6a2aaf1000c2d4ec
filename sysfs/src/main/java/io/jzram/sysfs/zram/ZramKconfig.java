// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/**
 * The build options of the zram driver (drivers/block/zram/Kconfig) that change its ABI, chosen
 * per machine ({@code Machine.builder().zramKconfig(...)}): a module's configuration is fixed when it
 * is built, so unlike the fix set it is not a module parameter.
 *
 * @param writeback CONFIG_ZRAM_WRITEBACK: {@code backing_dev}, {@code writeback},
 *     {@code writeback_limit}, {@code writeback_limit_enable} and {@code bd_stat} exist
 * @param multiComp CONFIG_ZRAM_MULTI_COMP: {@code recomp_algorithm} and {@code recompress} exist and
 *     {@code algorithm_params} takes priorities 1..3 (ZRAM_MAX_COMPS 4, else 1)
 * @param trackEntryActime CONFIG_ZRAM_TRACK_ENTRY_ACTIME: {@code idle} also takes an age in seconds
 * @param defaultCompressor CONFIG_ZRAM_DEF_COMP, or null for the emulator's default (lz4: the
 *     kernel's lzo-rle has no Java implementation here)
 */
public record ZramKconfig(boolean writeback, boolean multiComp, boolean trackEntryActime, String defaultCompressor) {

    /** Everything the emulator can do: all three options on, the default compressor. */
    public static ZramKconfig full() {
        return new ZramKconfig(true, true, true, null);
    }

    /**
     * The configuration of the 6.18 kernel on the project's machines: none of the three options
     * (its zram0 has no writeback or recompression files and {@code idle} takes only "all").
     */
    public static ZramKconfig realKernel() {
        return new ZramKconfig(false, false, false, null);
    }

    /** This configuration with another CONFIG_ZRAM_DEF_COMP. */
    public ZramKconfig withDefaultCompressor(String name) {
        return new ZramKconfig(writeback, multiComp, trackEntryActime, name);
    }

    /** ZRAM_MAX_COMPS. */
    public int maxComps() {
        return multiComp ? 4 : 1;
    }
}
