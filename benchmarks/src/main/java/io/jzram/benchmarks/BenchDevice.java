// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.Zcomp;
import io.jzram.core.ZramControl;
import io.jzram.core.ZramDevice;
import io.jzram.core.ZramHost;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Kernel;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The device the device benchmarks run on: an emulated machine of its own (lockdep off, as an
 * embedded device's) with one zram device, made the way the zram driver makes one
 * ({@link ZramHost#create}, then comp_algorithm, recomp_algorithm and disksize). The data path is
 * the one an embedded device ({@link ZramDevice#builder()}) has; a benchmark also needs what an
 * embedder does not see: the machine's CPUs (to pin its threads, to run a hotplug storm) and the
 * device's compressor (stream-get retries).
 */
final class BenchDevice implements AutoCloseable {
    static final int PAGE = PageSource.PAGE;

    final CpuHotplug hotplug;
    final ZramDevice device;
    private final Kernel kernel;
    private final ZramControl control;

    /**
     * @param recompression the secondary algorithms, priority 1 first
     */
    BenchDevice(long diskSize, String algorithm, int cpus, String... recompression) {
        kernel = Kernel.builder().lockdep(false).build();
        try {
            hotplug = new CpuHotplug(kernel, cpus);
            Zcomp.setupState(hotplug, null);
            control = ZramHost.of(hotplug).create("zram0");
            control.setCompAlgorithm(algorithm);
            for (int i = 0; i < recompression.length; i++) {
                control.setRecompAlgorithm(ZramDevice.SECONDARY_COMP + i, recompression[i]);
            }
            control.initialise(diskSize);
            device = control.device();
        } catch (RuntimeException | Error e) {
            kernel.close();
            throw e;
        }
    }

    /** Writes the {@code count} pages of {@code source} into each of the first {@code ranges} ranges of {@code count} pages. */
    BenchDevice fill(ByteBuffer source, int count, int ranges) throws IOException {
        for (int t = 0; t < ranges; t++) {
            for (int i = 0; i < count; i++) {
                device.write(((long) t * count + i) * PAGE, source.slice(i * PAGE, PAGE));
            }
        }
        return this;
    }

    /**
     * Writes the {@code count} pages of {@code source} into each of the first {@code ranges}
     * ranges, range t by a thread of its own pinned to virtual CPU {@code t % cpus}, all at once:
     * the pool then holds the pages as concurrent writers leave them (their objects interleaved in
     * the zspages they fill), which is what concurrent readers later find.
     */
    BenchDevice fillConcurrently(ByteBuffer source, int count, int ranges) throws IOException {
        if (ranges == 1) {
            return fill(source, count, 1);
        }
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(ranges);
        Thread[] writers = new Thread[ranges];
        for (int t = 0; t < ranges; t++) {
            int range = t;
            writers[t] = new Thread(() -> {
                try {
                    pin(range);
                    start.await();
                    for (int i = 0; i < count; i++) {
                        device.write(((long) range * count + i) * PAGE, source.slice(i * PAGE, PAGE));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "fill-" + t);
            writers[t].start();
        }
        try {
            for (Thread w : writers) {
                w.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while filling", e);
        }
        if (failure.get() != null) {
            throw new IOException("filling the device failed", failure.get());
        }
        return this;
    }

    /** Pins the calling thread to virtual CPU {@code threadIndex % cpus}: one task per CPU, as the kernel's per-CPU streams expect. */
    void pin(int threadIndex) {
        hotplug.placement().pinCurrentThread(threadIndex % hotplug.nrCpus());
    }

    /** The primary compressor (its stream-get retries count the storm's migrations under a stream). */
    Zcomp compressor() {
        return control.compressor(ZramDevice.PRIMARY_COMP);
    }

    /** One benchmark operation: page {@code view} (cleared) written at page index {@code page}. */
    ByteBuffer write(long page, ByteBuffer view) throws IOException {
        ByteBuffer b = view.clear();
        device.write(page * PAGE, b);
        return b;
    }

    /** One benchmark operation: page index {@code page} read into {@code dst} (cleared). */
    ByteBuffer read(long page, ByteBuffer dst) throws IOException {
        ByteBuffer b = dst.clear();
        device.read(page * PAGE, b);
        return b;
    }

    /** Resets the device (every byte back), removes the prepare state and shuts the machine down. */
    @Override
    public void close() {
        try {
            control.resetDevice();
            Zcomp.removeState(hotplug);
        } finally {
            kernel.close();
        }
    }
}
