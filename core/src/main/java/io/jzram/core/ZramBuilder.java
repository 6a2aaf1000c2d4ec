// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
import io.jzram.core.zsmalloc.FreePages;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Builds an initialised device for embedding ({@link ZramDevice#builder()}): on a private emulated
 * machine with {@link #cpus(int)} CPUs (default: the JVM's processors), or on an existing machine
 * ({@link #hotplug(CpuHotplug)}), whose {@code block/zram:prepare} state is registered (owner
 * null) if it is not yet. The builder does what the zram driver would: it creates the device on a
 * host of its own ({@link ZramHost#create}), writes the configuring attributes, sets the disksize,
 * and opens the device once for its life. The host's options ({@link #backends}, {@link #clock})
 * are {@link ZramHostOptions}, shared with {@link ZramHost.Builder}. Configuration errors are
 * {@link ErrnoException}s with the errno the matching sysfs store would give.
 */
public final class ZramBuilder extends ZramHostOptions<ZramBuilder> {
    private String name = "zram0";
    private long diskSize;
    private String algorithm;
    private ZcompParams params;
    private final String[] recomp = new String[ZramDevice.MAX_COMPS];
    private final ZcompParams[] recompParams = new ZcompParams[ZramDevice.MAX_COMPS];
    private long memLimit;
    private Path backingFile;
    private long writebackLimit = -1;
    private int cpus = Math.max(1, Runtime.getRuntime().availableProcessors());
    private CpuHotplug hotplug;
    private boolean lockdep;
    private long freePageReserve = FreePages.DEFAULT_PRIVATE_RESERVE;

    ZramBuilder() {
    }

    @Override
    ZramBuilder self() {
        return this;
    }

    /**
     * The device name.
     *
     * @param name the name (default {@code zram0})
     * @return this builder
     */
    public ZramBuilder name(String name) {
        this.name = Objects.requireNonNull(name);
        return this;
    }

    /**
     * The disk size; required. Memory is taken only as pages are written. {@link #build()} refuses 0
     * and a negative size with EINVAL, and a size above {@link ZramDevice#MAX_DISKSIZE} with ENOMEM
     * (as the disksize store does: the table cannot be allocated).
     *
     * @param bytes the size in bytes, rounded up to 4 KiB pages
     * @return this builder
     */
    public ZramBuilder diskSize(long bytes) {
        this.diskSize = bytes;
        return this;
    }

    /**
     * {@code comp_algorithm}: the primary compression algorithm.
     *
     * <p>The default is lzo-rle, the kernel's CONFIG_ZRAM_DEF_COMP
     * ({@link io.jzram.core.backend.ZcompBackends#defaultBackend()}), so an embedded device stores
     * what a kernel zram with its defaults would store, byte for byte (the lzo backends are
     * kernel-exact). Measured on the shared page corpus (real anonymous memory, one core, this
     * project's 2-core machines): lzo-rle stores about 12 % less than lz4 (47 % of the input against
     * 54 %), while lz4 (lz4-java) compresses about 1.3 to 2.5 times and decompresses about 1.5 to 2.5
     * times faster; a program that needs throughput more than space or kernel parity picks
     * {@code algorithm("lz4")}.
     *
     * @param name one of {@link ZramDevice#availableAlgorithms()} (default lzo-rle)
     * @return this builder
     */
    public ZramBuilder algorithm(String name) {
        this.algorithm = Objects.requireNonNull(name);
        return this;
    }

    /**
     * {@code algorithm_params} of the primary algorithm.
     *
     * @param params level, dictionary, deflate window bits
     * @return this builder
     */
    public ZramBuilder algorithmParams(ZcompParams params) {
        this.params = Objects.requireNonNull(params);
        return this;
    }

    /**
     * {@code recomp_algorithm algo=NAME priority=N}: an algorithm for recompression.
     *
     * @param priority 1..3
     * @param name the algorithm
     * @return this builder
     * @throws ErrnoException EINVAL for a priority out of range
     */
    public ZramBuilder recompressionAlgorithm(int priority, String name) {
        return recompressionAlgorithm(priority, name, null);
    }

    /**
     * A recompression algorithm with its parameters.
     *
     * @param priority 1..3
     * @param name the algorithm
     * @param params its parameters, or null for the defaults
     * @return this builder
     * @throws ErrnoException EINVAL for a priority out of range
     */
    public ZramBuilder recompressionAlgorithm(int priority, String name, ZcompParams params) {
        ZramConfig.checkRecompPriority(priority);
        recomp[priority] = Objects.requireNonNull(name);
        recompParams[priority] = params;
        return this;
    }

    /**
     * {@code mem_limit}: writes that would take the pool over it fail with ENOMEM.
     *
     * @param bytes the limit in bytes (0: none, the default)
     * @return this builder
     */
    public ZramBuilder memLimit(long bytes) {
        this.memLimit = bytes;
        return this;
    }

    /**
     * {@code backing_dev}: the file writeback moves pages to.
     *
     * @param file an existing regular file
     * @return this builder
     */
    public ZramBuilder backingFile(Path file) {
        this.backingFile = Objects.requireNonNull(file);
        return this;
    }

    /**
     * {@code writeback_limit}, with {@code writeback_limit_enable} set.
     *
     * @param pages how many 4 KiB pages writeback may write
     * @return this builder
     */
    public ZramBuilder writebackLimit(long pages) {
        this.writebackLimit = pages;
        return this;
    }

    /**
     * The CPUs of the private machine (ignored with {@link #hotplug}); each has its own
     * compression stream.
     *
     * @param n at least 1 (default: the JVM's available processors)
     * @return this builder
     * @throws IllegalArgumentException for fewer than 1
     */
    public ZramBuilder cpus(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("cpus " + n);
        }
        this.cpus = n;
        return this;
    }

    /**
     * Runs the device on an existing emulated machine instead of a private one: CPU hotplug on that
     * machine then moves the device's compression streams.
     *
     * @param machine the machine's CPUs
     * @return this builder
     */
    public ZramBuilder hotplug(CpuHotplug machine) {
        this.hotplug = Objects.requireNonNull(machine);
        return this;
    }

    /**
     * How much freed pool memory the private machine keeps mapped for the device's later writes
     * ({@link FreePages}: the pages a discard, an overwrite that shrinks the pool, or compaction
     * frees, as the kernel's buddy allocator keeps them); all of it goes back to the OS when the
     * device is closed. Ignored with {@link #hotplug}: a shared machine's setting stands.
     *
     * @param bytes the bound, 0 for none (default 64 MiB)
     * @return this builder
     * @throws IllegalArgumentException for a negative bound
     */
    public ZramBuilder freePageReserve(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("freePageReserve " + bytes);
        }
        this.freePageReserve = bytes;
        return this;
    }

    /**
     * Lockdep on the private machine's kernel.
     *
     * @param on whether to check lock dependencies (default off: it allocates on every lock)
     * @return this builder
     */
    public ZramBuilder lockdep(boolean on) {
        this.lockdep = on;
        return this;
    }

    /**
     * Makes the device: configures it, initialises it and opens it once for its life.
     *
     * @throws ErrnoException the errno of the failing step (EINVAL for a disksize of 0, a negative
     *     one or an unknown algorithm, ENOMEM, ENOENT for a missing backing file, ...); nothing is left
     *     allocated then
     * @return the device, initialised and open; {@link ZramDevice#close()} gives everything back
     */
    public ZramDevice build() {
        if (diskSize == 0) {
            throw new ErrnoException(Errno.EINVAL, "diskSize is required");
        }
        if (diskSize < 0) {
            throw new ErrnoException(Errno.EINVAL, "diskSize " + diskSize + " is negative");
        }
        Kernel privateKernel = null;
        CpuHotplug hp = hotplug;
        if (hp == null) {
            privateKernel = Kernel.builder().lockdep(lockdep).build();
            hp = new CpuHotplug(privateKernel, cpus);
            FreePages.of(privateKernel).setReserveLimit(freePageReserve);
        }
        boolean registered = false;
        ZramControl c = null;
        try {
            if (!Zcomp.stateRegistered(hp)) {
                Zcomp.setupState(hp, null);
                registered = true;
            }
            c = new ZramHost(hp, this, null, ResetVariant.UPSTREAM).create(name);
            configure(c);
            c.initialise(diskSize);
            ZramDevice dev = c.device();
            ZramDevice.Opener opener;
            try {
                opener = dev.open();
            } catch (IOException e) {
                throw new IllegalStateException("a new device refused to open", e);
            }
            CpuHotplug machine = hp;
            Kernel k = privateKernel;
            boolean removeState = registered && privateKernel != null;
            dev.embed(opener, () -> {
                if (removeState) {
                    Zcomp.removeState(machine);
                }
                if (k != null) {
                    k.close();
                }
            });
            return dev;
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.resetBdev();
                if (c.device().isInitialised()) {
                    c.resetDevice();
                }
            }
            if (registered && privateKernel != null) {
                Zcomp.removeState(hp);
            }
            if (privateKernel != null) {
                privateKernel.close();
            }
            throw e;
        }
    }

    /** The attribute stores, in the order a user would write them. */
    private void configure(ZramControl c) {
        if (algorithm != null) {
            c.setCompAlgorithm(algorithm);
        }
        if (params != null) {
            c.setAlgorithmParams(ZramDevice.PRIMARY_COMP, null, params);
        }
        for (int p = ZramDevice.SECONDARY_COMP; p < ZramDevice.MAX_COMPS; p++) {
            if (recomp[p] != null) {
                c.setRecompAlgorithm(p, recomp[p]);
                if (recompParams[p] != null) {
                    c.setAlgorithmParams(p, null, recompParams[p]);
                }
            }
        }
        ZramDevice dev = c.device();
        dev.setMemLimit(memLimit);
        if (backingFile != null) {
            c.setBackingDev(backingFile);
        }
        if (writebackLimit >= 0) {
            dev.setWritebackLimit(writebackLimit);
            dev.setWritebackLimitEnable(true);
        }
    }
}
