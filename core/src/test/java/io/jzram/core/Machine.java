// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.KernelLog;
import java.util.function.LongSupplier;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * A test machine: kernel (lockdep on), CPUs, the zram prepare state registered (as the module's
 * init does), a host, and devices made on it. Closing resets every device made and removes the state.
 */
final class Machine implements AutoCloseable {
    final Kernel kernel;
    final CpuHotplug hotplug;
    final ZramHost host;
    private final java.util.List<ZramDevice> devices = new java.util.ArrayList<>();
    private final long logMarker;

    Machine(int cpus) {
        this(cpus, true, null);
    }

    Machine(int cpus, boolean lockdep, LongSupplier clock) {
        kernel = Kernel.builder().lockdep(lockdep).build();
        hotplug = new CpuHotplug(kernel, cpus);
        Zcomp.setupState(hotplug, null);
        ZramHost.Builder b = ZramHost.builder(hotplug);
        if (clock != null) {
            b.clock(clock);
        }
        host = b.build();
        logMarker = kernel.log().marker();
    }

    ZramDevice device(String name) {
        ZramDevice d = host.create(name).device();
        devices.add(d);
        return d;
    }

    ZramDevice device(String name, long disksize, String algo) {
        ZramDevice d = device(name);
        d.control().setCompAlgorithm(algo);
        d.control().initialise(disksize);
        return d;
    }

    KernelLog.Scan splats() {
        return kernel.log().scan(logMarker);
    }

    @Override
    public void close() {
        for (ZramDevice d : devices) {
            d.control().setResetVariant(ResetVariant.UPSTREAM);
            d.control().resetDevice();
        }
        Zcomp.removeState(hotplug);
        kernel.close();
    }

    static long chronicleNativeBytes() {
        BackgroundResourceReleaser.releasePendingResources();
        return OS.memory().nativeMemoryUsed();
    }
}
