// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.module;

import io.jzram.kernel.Kernel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loaded module (struct module): name, parameters, state, reference count and a fake text
 * address range.
 *
 * <p>Reference counting follows kernel/module/main.c: the count starts at a base of 1
 * (MODULE_REF_BASE); {@link #tryGet()} fails once the module is not live or once unload has
 * dropped the base ({@code atomic_inc_not_zero}); unload succeeds only by moving the count from
 * exactly the base to zero, so a module somebody holds is never torn down under them.
 *
 * <p>Code reachable from outside a module (cpuhp callbacks, sysfs show/store, block device
 * operations) records its owner and calls {@link #enterText} before running: once the module is
 * UNLOADED that logs the kernel's page-fault BUG + Oops splat and throws {@link KernelOops}. That is
 * how the emulator shows a crash into freed module memory instead of silently running Java code
 * that would still be there.
 */
public final class Module {

    private static final long REF_BASE = 1;

    private final Kernel kernel;
    private final String name;
    private final Map<String, String> params;
    private final long textBase;
    private final AtomicLong refcnt = new AtomicLong(REF_BASE);
    private volatile ModuleState state = ModuleState.COMING;

    Module(Kernel kernel, String name, Map<String, String> params, long textBase) {
        this.kernel = kernel;
        this.name = name;
        this.params = Map.copyOf(params);
        this.textBase = textBase;
    }

    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    public ModuleState state() {
        return state;
    }

    void setState(ModuleState s) {
        this.state = s;
    }

    /** module_is_live(): not GOING (nor gone). */
    public boolean isLive() {
        ModuleState s = state;
        return s == ModuleState.COMING || s == ModuleState.LIVE;
    }

    /** A parameter as given at load time (name=value), or the default. */
    public String param(String key, String defaultValue) {
        return params.getOrDefault(key, defaultValue);
    }

    public Map<String, String> params() {
        return params;
    }

    /** try_module_get(): false when the module is going away. */
    public boolean tryGet() {
        if (!isLive()) {
            return false;
        }
        for (;;) {
            long c = refcnt.get();
            if (c == 0) {
                return false;
            }
            if (refcnt.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    /** __module_get(): for a caller that already holds a reference. */
    public void get() {
        refcnt.incrementAndGet();
    }

    /** module_put(). */
    public void put() {
        long c = refcnt.decrementAndGet();
        if (c < 0) {
            throw new IllegalStateException("module " + name + " refcount underflow");
        }
    }

    /** The reference count as /sys/module/NAME/refcnt shows it (without the base). */
    public long refcount() {
        return Math.max(0, refcnt.get() - REF_BASE);
    }

    /** try_stop_module: drops the base if nobody holds a reference. */
    boolean tryStop() {
        if (refcnt.compareAndSet(REF_BASE, 0)) {
            state = ModuleState.GOING;
            return true;
        }
        return false;
    }

    /** Restores the base after a failed stop is rolled back (not used by the loader today). */
    long textBase() {
        return textBase;
    }

    /**
     * Called on entry to any of this module's functions that someone outside holds a pointer to.
     * Once the module is unloaded this oopses: BUG + Oops splat, then {@link KernelOops}.
     */
    public void enterText(String symbol) {
        if (state != ModuleState.UNLOADED) {
            return;
        }
        long addr = textBase + (Math.abs(symbol.hashCode()) % 0xF000);
        kernel.log().oopsSplat(
                String.format("BUG: unable to handle page fault for address: %016x", addr),
                List.of("#PF: supervisor instruction fetch in kernel mode",
                        "#PF: error_code(0x0010) - not-present page",
                        "PGD 0 P4D 0"),
                String.format("0x%016x (%s [%s, unloaded])", addr, symbol, name));
        throw new KernelOops("call into " + symbol + " of unloaded module " + name);
    }

    /** {@link #enterText} for an optional owner (null = built-in code, always there). */
    public static void enterText(Module owner, String symbol) {
        if (owner != null) {
            owner.enterText(symbol);
        }
    }

    @Override
    public String toString() {
        return name + "[" + state + ", refcnt " + refcount() + "]";
    }
}
