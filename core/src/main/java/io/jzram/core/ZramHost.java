// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompBackends;
import io.jzram.core.zsmalloc.FreePages;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Kernel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What zram devices share on one emulated machine: the file-scope state of
 * drivers/block/zram/zram_drv.c and zcomp.c that is not per device ({@code default_compressor},
 * the {@code backends[]} list, the CPU-hotplug machine the compressors register with) plus the
 * emulator's own: the clock behind access times and a counter of the off-heap bytes every
 * compressor's streams hold (so a test or the storm can prove that nothing leaked).
 *
 * <p>The devices' pools take their memory from the machine's free pages ({@link #freePages()}, one
 * per kernel, kept across devices, hosts and module loads, as the kernel's buddy allocator is).
 *
 * <p>A host is what a driver creates devices with ({@link #create}, which hands out the driver's
 * {@link ZramControl}); an embedded device's builder makes a private one. The zram module's init
 * registers the {@code block/zram:prepare} state ({@link Zcomp#setupState}) before it creates a
 * host's devices; a host does not own the state. Immutable apart from the counter; thread-safe.
 *
 * <p>Making a host checks the JVM flags the off-heap pool needs ({@link JvmAccess#check()}): a JVM
 * started without them fails here with the list of flags to add, not later inside the pool.
 */
public final class ZramHost {
    private final CpuHotplug hotplug;
    private final ZcompBackends backends;
    private final String defaultCompressor;
    private final LongSupplier clock;
    private final boolean systemClock;
    private final ResetVariant resetVariant;
    private final AtomicLong streamBytes = new AtomicLong();

    /**
     * A host on {@code hotplug}'s machine with {@code options} (defaults where unset), the default
     * compressor (null: the backends' default) and the reset variant new devices start with.
     */
    ZramHost(CpuHotplug hotplug, ZramHostOptions<?> options, String defaultCompressor, ResetVariant resetVariant) {
        JvmAccess.check();
        this.hotplug = Objects.requireNonNull(hotplug, "hotplug");
        this.backends = options.backends != null ? options.backends : ZcompBackends.builtin();
        this.defaultCompressor = defaultCompressor != null ? defaultCompressor : backends.defaultBackend().name();
        this.backends.get(this.defaultCompressor); // EINVAL if not available
        this.clock = options.clock != null ? options.clock : System::nanoTime;
        this.systemClock = options.clock == null;
        this.resetVariant = Objects.requireNonNull(resetVariant);
    }

    /** A host on {@code hotplug}'s machine with the built-in backends and the defaults. */
    public static ZramHost of(CpuHotplug hotplug) {
        return builder(hotplug).build();
    }

    public static Builder builder(CpuHotplug hotplug) {
        return new Builder(hotplug);
    }

    /** Builds a host: the options it shares with {@link ZramBuilder} ({@link ZramHostOptions}), and a driver's. */
    public static final class Builder extends ZramHostOptions<Builder> {
        private final CpuHotplug hotplug;
        private String defaultCompressor;
        private ResetVariant resetVariant = ResetVariant.UPSTREAM;

        private Builder(CpuHotplug hotplug) {
            this.hotplug = Objects.requireNonNull(hotplug, "hotplug");
        }

        @Override
        Builder self() {
            return this;
        }

        /** CONFIG_ZRAM_DEF_COMP (default: {@link ZcompBackends#defaultBackend()}, lzo-rle as in the kernel). */
        public Builder defaultCompressor(String name) {
            this.defaultCompressor = Objects.requireNonNull(name);
            return this;
        }

        /** The reset behaviour new devices start with (default {@link ResetVariant#UPSTREAM}). */
        public Builder resetVariant(ResetVariant variant) {
            this.resetVariant = Objects.requireNonNull(variant);
            return this;
        }

        public ZramHost build() {
            return new ZramHost(hotplug, this, defaultCompressor, resetVariant);
        }
    }

    /**
     * zram_add() minus the disk: a new uninitialised device (disksize 0) named {@code name} on this
     * host, and the driver's handle on it. The host's machine must have the
     * {@code block/zram:prepare} state registered ({@link Zcomp#setupState}) before the device is
     * initialised.
     */
    public ZramControl create(String name) {
        return new ZramDevice(this, name).control();
    }

    public CpuHotplug hotplug() {
        return hotplug;
    }

    public Kernel kernel() {
        return hotplug.kernel();
    }

    public ZcompBackends backends() {
        return backends;
    }

    /** The algorithm a new or reset device starts with. */
    public String defaultCompressor() {
        return defaultCompressor;
    }

    public ResetVariant resetVariant() {
        return resetVariant;
    }

    /** Now, on the access-time clock. */
    public long now() {
        return clock.getAsLong();
    }

    /** Now on the access-time clock, reusing {@code systemNanos} when the clock is the system one. */
    long now(long systemNanos) {
        return systemClock ? systemNanos : clock.getAsLong();
    }

    /**
     * The machine's free pages ({@link FreePages#of} of this host's kernel): where every pool of the
     * machine takes its chunks from and gives them back to.
     */
    public FreePages freePages() {
        return FreePages.of(hotplug.kernel());
    }

    /** Off-heap bytes held by the streams of every compressor created on this host and not yet freed. */
    public long streamBytes() {
        return streamBytes.get();
    }

    AtomicLong streamBytesCounter() {
        return streamBytes;
    }
}
