// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
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

    ZramBuilder() {
    }

    @Override
    ZramBuilder self() {
        return this;
    }

    /** The device name (default zram0). */
    public ZramBuilder name(String name) {
        this.name = Objects.requireNonNull(name);
        return this;
    }

    /**
     * disksize in bytes (rounded up to 4 KiB pages); required. {@link #build()} refuses 0 and a
     * negative size with EINVAL, and a size above {@link ZramDevice#MAX_DISKSIZE} with ENOMEM (as
     * the disksize store does: the table cannot be allocated).
     */
    public ZramBuilder diskSize(long bytes) {
        this.diskSize = bytes;
        return this;
    }

    /** comp_algorithm (default lz4). */
    public ZramBuilder algorithm(String name) {
        this.algorithm = Objects.requireNonNull(name);
        return this;
    }

    /** algorithm_params of the primary algorithm. */
    public ZramBuilder algorithmParams(ZcompParams params) {
        this.params = Objects.requireNonNull(params);
        return this;
    }

    /** recomp_algorithm {@code algo=NAME priority=N} (N in 1..3) for recompression. */
    public ZramBuilder recompressionAlgorithm(int priority, String name) {
        return recompressionAlgorithm(priority, name, null);
    }

    /** A recompression algorithm with its parameters. */
    public ZramBuilder recompressionAlgorithm(int priority, String name, ZcompParams params) {
        ZramConfig.checkRecompPriority(priority);
        recomp[priority] = Objects.requireNonNull(name);
        recompParams[priority] = params;
        return this;
    }

    /** mem_limit in bytes (0 = none). */
    public ZramBuilder memLimit(long bytes) {
        this.memLimit = bytes;
        return this;
    }

    /** backing_dev: a regular file that writeback moves pages to. */
    public ZramBuilder backingFile(Path file) {
        this.backingFile = Objects.requireNonNull(file);
        return this;
    }

    /** writeback_limit in 4 KiB pages, with writeback_limit_enable set. */
    public ZramBuilder writebackLimit(long pages) {
        this.writebackLimit = pages;
        return this;
    }

    /** CPUs of the private machine (ignored with {@link #hotplug}). */
    public ZramBuilder cpus(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("cpus " + n);
        }
        this.cpus = n;
        return this;
    }

    /** Run on an existing emulated machine instead of a private one. */
    public ZramBuilder hotplug(CpuHotplug machine) {
        this.hotplug = Objects.requireNonNull(machine);
        return this;
    }

    /** Lockdep on the private machine's kernel (default off: it allocates on every lock). */
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
