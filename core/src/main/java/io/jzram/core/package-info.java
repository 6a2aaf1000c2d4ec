// SPDX-License-Identifier: GPL-2.0-only
/**
 * zram: the compressed RAM block device (drivers/block/zram/zram_drv.c, zcomp.c) on the emulated
 * kernel, and its embedding API.
 *
 * <h2>For embedders</h2>
 * {@link io.jzram.core.ZramDevice#builder()} ({@link io.jzram.core.ZramBuilder}) makes an
 * initialised {@link io.jzram.core.ZramDevice}: the {@link io.jzram.kernel.block.BlockDevice} I/O,
 * the algorithms, the statistics, mem_limit and the writeback limit, compact, idle marking,
 * writeback and recompression, and {@code close()}. See the README's "Embedding" section.
 *
 * <h2>For the zram driver module (sysfs layer)</h2>
 * The driver parses attribute text and calls one typed method per store or show; each does the
 * kernel's checks, in the kernel's order, and throws {@link io.jzram.kernel.ErrnoException} with
 * the kernel's errno. What only a driver does is on the device's
 * {@link io.jzram.core.ZramControl}, which the driver gets when it creates the device:
 * <ul>
 *   <li>module init: {@link io.jzram.core.Zcomp#setupState}(machine, module) registers
 *       {@code 57: block/zram:prepare}; one {@link io.jzram.core.ZramHost} per machine; hot_add /
 *       num_devices: {@link io.jzram.core.ZramHost#create}("zramN") gives the control, whose
 *       {@code device()} is the device. Module exit: remove the devices, then
 *       {@link io.jzram.core.Zcomp#removeState}.</li>
 *   <li>on the control: disksize: {@code initialise(memparse)}; initstate: {@code initState()};
 *       reset: {@code reset()} after kstrtou16 gave non-zero; comp_algorithm:
 *       {@code setCompAlgorithm(raw text)}; recomp_algorithm: {@code setRecompAlgorithm(prio, name)};
 *       algorithm_params: {@code setAlgorithmParams(prio, algoOrNull, ZcompParams)}; backing_dev:
 *       {@code setBackingDev(path)}.</li>
 *   <li>on the device: disksize: {@code disksize()}; compact: {@code compact()}; mem_limit:
 *       {@code setMemLimit(memparse)}; mem_used_max: {@code resetMemUsedMax()} for "0"; idle:
 *       {@code markIdleAll()} / {@code markIdle(seconds)}; comp_algorithm:
 *       {@code availableAlgorithms()}, {@code compAlgorithm()}; recomp_algorithm:
 *       {@code algorithm(prio)}; backing_dev: {@code backingDev()}; writeback:
 *       {@code writeback(WritebackRequest)}; writeback_limit(_enable): {@code writebackLimit()},
 *       {@code setWritebackLimit}, {@code writebackLimitEnabled()}, {@code setWritebackLimitEnable};
 *       recompress: {@code recompress(RecompressRequest)}; mm_stat, io_stat, debug_stat, bd_stat,
 *       stat: {@code mmStat()}, {@code ioStat()}, {@code debugStat()}, {@code bdStat()},
 *       {@code blockStat()} (records with the kernel's line format).</li>
 *   <li>/dev/zramN: the device's {@code open()} (EBUSY while claimed), then the
 *       {@link io.jzram.kernel.block.BlockDevice} I/O methods, then the opener's {@code close()}.</li>
 *   <li>hot_remove / module exit ({@code zram_remove}), on the control: 5.16+:
 *       {@code claimForRemoval()} (EBUSY if open; true if a reset holds the claim, then skip the
 *       first reset), {@code sync()}, {@code resetDevice()}, the driver's del_gendisk,
 *       {@code resetDevice()} again. Pre-5.16: {@code tryClaim()} (EBUSY if open or claimed),
 *       {@code sync()}, {@code resetDevice()}, del_gendisk.</li>
 *   <li>fix toggles, on the control: {@code setResetVariant(ResetVariant)} (or the host's default)
 *       selects the 5.16+ or the pre-5.16 {@code zram_reset_device}; {@code setHook(ZramHook, ...)}
 *       runs code at fixed points of disksize, reset and post-processing to make races
 *       deterministic.</li>
 * </ul>
 *
 * <h2>Inside a device</h2>
 * {@link io.jzram.core.ZramDevice} forwards to package-private parts along zram_drv.c's seams, all
 * on one {@code ZramState} ({@code struct zram}, with the locking rules, which its accessors assert:
 * see {@link io.jzram.kernel.locking.GuardedBy}): {@code ZramLifecycle} (disksize, reset, claim,
 * open), {@code ZramConfig} (the configuring attributes), {@code ZramStatsShow} (the statistics),
 * {@code ZramDataPath} (requests and pages), {@code ZramIdle}, {@code ZramWriteback} and
 * {@code ZramRecompress} (post-processing), over {@code SlotTable} (the slots and their locks),
 * {@code ZramMeta} (table and pool of one initialisation) and {@link io.jzram.core.zsmalloc} (the
 * pool).
 */
package io.jzram.core;
