// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.core.ZramDevice;
import io.jzram.core.ZramHook;
import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.backend.ZcompBackends;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleState;
import io.jzram.sysfs.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The zram module as installed on one machine (what {@code zram.ko} in the modules directory is):
 * registered with the machine's module loader under {@value #NAME} with the parameters
 * {@code num_devices} (default 1) and {@code fixes} ({@link ZramFixes}), it makes a fresh
 * {@link ZramDriver} for every load. It also holds what outlives a load: the machine's default fix
 * set, the build configuration ({@link ZramKconfig}), the compression backends (probed once), the
 * test hooks ({@link #setHook}, {@link #setDeviceHook}), and the last driver instance, so a test
 * can check after rmmod that everything it held was given back.
 *
 * <p>Reach it with {@code machine.zram()}; the loaded driver with {@link #driver()}.
 * Thread-safe.
 */
public final class ZramModule {

    /** The module name. */
    public static final String NAME = "zram";
    /** The module's parameters (module_param). */
    public static final Set<String> PARAMETERS = Set.of("num_devices", "fixes");

    private final Machine machine;
    private final ZramKconfig kconfig;
    private volatile ZramFixes defaultFixes;
    private final Map<ZramDriverHook, Consumer<ZramHookSite>> hooks = new ConcurrentHashMap<>();
    private final Map<ZramHook, Consumer<ZramDevice>> deviceHooks = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private ZcompBackends backends;
    private volatile ZramDriver current;
    private volatile ZramDriver last;

    private ZramModule(Machine machine, ZramFixes defaultFixes, ZramKconfig kconfig) {
        this.machine = Objects.requireNonNull(machine);
        this.defaultFixes = Objects.requireNonNull(defaultFixes);
        this.kconfig = Objects.requireNonNull(kconfig);
    }

    /** Installs zram.ko on a machine: {@code modprobe zram} works from then on. */
    public static ZramModule register(Machine machine, ZramFixes defaultFixes, ZramKconfig kconfig) {
        ZramModule m = new ZramModule(machine, defaultFixes, kconfig);
        machine.modules().register(NAME, PARAMETERS, m::instantiate);
        return m;
    }

    private ZramDriver instantiate(Module self) {
        ZramDriver d = new ZramDriver(this, machine, self);
        loads.incrementAndGet();
        current = d;
        last = d;
        return d;
    }

    void driverGone(ZramDriver d) {
        if (current == d) {
            current = null;
        }
    }

    /** The driver of the module loaded now (loading, live or going), if any. */
    public Optional<ZramDriver> driver() {
        ZramDriver d = current;
        if (d == null || d.self().state() == ModuleState.UNLOADED) {
            return Optional.empty();
        }
        return Optional.of(d);
    }

    /** The live driver; IllegalStateException when zram is not loaded. */
    public ZramDriver loaded() {
        return driver().filter(d -> d.self().state() == ModuleState.LIVE)
                .orElseThrow(() -> new IllegalStateException("zram is not loaded"));
    }

    /** The driver of the last load (also after it was unloaded), or null if zram was never loaded. */
    public ZramDriver lastDriver() {
        return last;
    }

    /** How many times the module was loaded (init started). */
    public int loads() {
        return loads.get();
    }

    public Machine machine() {
        return machine;
    }

    public ZramKconfig kconfig() {
        return kconfig;
    }

    /** The fix set a load without {@code fixes=} gets. */
    public ZramFixes defaultFixes() {
        return defaultFixes;
    }

    /** Changes the default fix set; takes effect at the next load. */
    public void setDefaultFixes(ZramFixes fixes) {
        this.defaultFixes = Objects.requireNonNull(fixes);
    }

    /**
     * The compression backends of this build that work here: the kernel's backends[] that the
     * configuration has ({@link ZramKconfig#backends}), minus what cannot run.
     */
    public synchronized ZcompBackends backends() {
        if (backends == null) {
            List<ZcompBackend> built = new ArrayList<>();
            for (ZcompBackend b : ZcompBackends.builtin().all()) {
                if (kconfig.hasBackend(b.name())) {
                    built.add(b);
                }
            }
            backends = ZcompBackends.of(built);
        }
        return backends;
    }

    /** Installs (or with null removes) the hook run at {@code point}, for this and every later load. */
    public void setHook(ZramDriverHook point, Consumer<ZramHookSite> hook) {
        if (hook == null) {
            hooks.remove(point);
        } else {
            hooks.put(point, hook);
        }
    }

    /**
     * Installs (or with null removes) a jzram-core hook on every device the driver adds from now on
     * (devices that exist get it through {@code driver.device(id).control().setHook}).
     */
    public void setDeviceHook(ZramHook point, Consumer<ZramDevice> hook) {
        if (hook == null) {
            deviceHooks.remove(point);
        } else {
            deviceHooks.put(point, hook);
        }
        ZramDriver d = current;
        if (d != null) {
            for (ZramDisk z : d.devices()) {
                z.control().setHook(point, hook);
            }
        }
    }

    /** Removes every hook. */
    public void clearHooks() {
        hooks.clear();
        for (ZramHook h : ZramHook.values()) {
            setDeviceHook(h, null);
        }
    }

    Consumer<ZramHookSite> hook(ZramDriverHook point) {
        return hooks.get(point);
    }

    Map<ZramHook, Consumer<ZramDevice>> deviceHooks() {
        return deviceHooks;
    }

    @Override
    public String toString() {
        ZramDriver d = current;
        return "zram module (default fixes=" + defaultFixes.paramValue() + ", " + (d == null ? "not loaded" : d) + ")";
    }
}
