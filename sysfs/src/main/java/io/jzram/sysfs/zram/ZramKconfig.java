// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import java.util.List;
import java.util.Objects;

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
 * @param defaultCompressor CONFIG_ZRAM_DEF_COMP: the algorithm a new or reset device starts with
 *     (lzo-rle in both configurations, as the kernel's default); when it is not among the backends
 *     this machine can run, the driver falls back to the emulator's default and says so in the log
 * @param backends CONFIG_ZRAM_BACKEND_*: the backends built in, by name, or null for every backend
 *     the emulator has; {@code comp_algorithm} lists those of them that run here, in the kernel's
 *     order, and any other name is EINVAL
 */
public record ZramKconfig(boolean writeback, boolean multiComp, boolean trackEntryActime, String defaultCompressor,
        List<String> backends) {

    /** The kernel's CONFIG_ZRAM_DEF_COMP default. */
    public static final String KERNEL_DEFAULT_COMPRESSOR = "lzo-rle";
    /** The backends the 6.18 kernel of the project's machines is built with (CONFIG_ZRAM_BACKEND_LZO and _LZ4). */
    public static final List<String> REAL_KERNEL_BACKENDS = List.of("lzo-rle", "lzo", "lz4");

    public ZramKconfig {
        backends = backends == null ? null : List.copyOf(backends);
    }

    /** Everything the emulator can do: all three options on, every backend, lzo-rle by default. */
    public static ZramKconfig full() {
        return new ZramKconfig(true, true, true, KERNEL_DEFAULT_COMPRESSOR, null);
    }

    /**
     * The configuration of the 6.18 kernel on the project's machines: none of the three options
     * (its zram0 has no writeback or recompression files and {@code idle} takes only "all"), the
     * backends lzo-rle, lzo and lz4 only, lzo-rle by default.
     */
    public static ZramKconfig realKernel() {
        return new ZramKconfig(false, false, false, KERNEL_DEFAULT_COMPRESSOR, REAL_KERNEL_BACKENDS);
    }

    /** This configuration with another CONFIG_ZRAM_DEF_COMP. */
    public ZramKconfig withDefaultCompressor(String name) {
        return new ZramKconfig(writeback, multiComp, trackEntryActime, Objects.requireNonNull(name), backends);
    }

    /** Whether the kernel is built with this backend (every name for a null list). */
    public boolean hasBackend(String name) {
        return backends == null || backends.contains(name);
    }

    /** ZRAM_MAX_COMPS. */
    public int maxComps() {
        return multiComp ? 4 : 1;
    }

    /** Whether this is the real machines' build, whatever its default compressor. */
    public boolean isRealKernelBuild() {
        return !writeback && !multiComp && !trackEntryActime && REAL_KERNEL_BACKENDS.equals(backends);
    }

    /** "real" or "full" when this is one of the two named configurations, else null. */
    public String configName() {
        if (equals(realKernel())) {
            return "real";
        }
        return equals(full()) ? "full" : null;
    }
}
