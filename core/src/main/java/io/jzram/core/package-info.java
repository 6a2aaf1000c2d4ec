// SPDX-License-Identifier: GPL-2.0-only
/**
 * zram: the compressed RAM block device (drivers/block/zram/zram_drv.c, zcomp.c) on the emulated
 * kernel, and its embedding API.
 *
 * <h2>For the zram driver module (sysfs layer)</h2>
 * The driver parses attribute text and calls one typed method per store or show of
 * {@link io.jzram.core.ZramDevice}; each method does the kernel's checks, in the kernel's order,
 * and throws {@link io.jzram.kernel.ErrnoException} with the kernel's errno.
 * <ul>
 *   <li>module init: {@link io.jzram.core.Zcomp#setupState}(machine, module) registers
 *       {@code 57: block/zram:prepare}; one {@link io.jzram.core.ZramHost} per machine; hot_add /
 *       num_devices: {@link io.jzram.core.ZramDevice#create}(host, "zramN"). Module exit: remove
 *       the devices, then {@link io.jzram.core.Zcomp#removeState}.</li>
 *   <li>disksize: {@code disksize()} / {@code initialise(memparse)}; initstate: {@code initState()};
 *       reset: {@code reset()} after kstrtou16 gave non-zero; compact: {@code compact()};
 *       mem_limit: {@code setMemLimit(memparse)}; mem_used_max: {@code resetMemUsedMax()} for "0";
 *       idle: {@code markIdleAll()} / {@code markIdle(seconds)}.</li>
 *   <li>comp_algorithm: {@code availableAlgorithms()}, {@code compAlgorithm()} /
 *       {@code setCompAlgorithm(raw text)}; recomp_algorithm: {@code algorithm(prio)} /
 *       {@code setRecompAlgorithm(prio, name)}; algorithm_params:
 *       {@code setAlgorithmParams(prio, algoOrNull, ZcompParams)}.</li>
 *   <li>mm_stat, io_stat, debug_stat, bd_stat, stat: {@code mmStat()}, {@code ioStat()},
 *       {@code debugStat()}, {@code bdStat()}, {@code blockStat()} (records with the kernel's line
 *       format).</li>
 *   <li>backing_dev: {@code backingDev()} / {@code setBackingDev(path)}; writeback:
 *       {@code writeback(WritebackRequest)}; writeback_limit(_enable): {@code writebackLimit()},
 *       {@code setWritebackLimit}, {@code writebackLimitEnabled()}, {@code setWritebackLimitEnable};
 *       recompress: {@code recompress(RecompressRequest)}.</li>
 *   <li>/dev/zramN: {@code open()} (EBUSY while claimed), then the {@link io.jzram.kernel.block.BlockDevice}
 *       I/O methods, then the opener's {@code close()}.</li>
 *   <li>hot_remove / module exit ({@code zram_remove}): 5.16+: {@code claimForRemoval()} (EBUSY if
 *       open; true if a reset holds the claim, then skip the first reset), {@code sync()},
 *       {@code resetDevice()}, the driver's del_gendisk, {@code resetDevice()} again. Pre-5.16:
 *       {@code tryClaim()} (EBUSY if open or claimed), {@code sync()}, {@code resetDevice()},
 *       del_gendisk.</li>
 *   <li>fix toggles: {@code setResetVariant(ResetVariant)} (or the host's default) selects the
 *       5.16+ or the pre-5.16 {@code zram_reset_device}; {@code setHook(ZramHook, ...)} runs code
 *       at fixed points of disksize, reset and post-processing to make races deterministic.</li>
 * </ul>
 *
 * <h2>For embedders</h2>
 * {@link io.jzram.core.ZramDevice#builder()}: see the README's "Embedding" section.
 */
package io.jzram.core;
