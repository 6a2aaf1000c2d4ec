// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.module;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The module loader (kernel/module/main.c) with modprobe/rmmod's view of it: modules that can be
 * loaded are registered by name ({@link #register}, what depmod would index), loaded with
 * parameters, and unloaded with the loader's rules:
 *
 * <ul>
 *   <li>load: a module of that name that is live answers EEXIST; one still COMING or GOING is
 *       waited for first (add_unformed_module). The module is COMING while its init runs, LIVE
 *       after; an init that fails leaves nothing behind. Unknown parameters are logged and ignored.
 *   <li>unload (delete_module): not loaded is ENOENT; not LIVE is EBUSY ("already dying"); held
 *       by anyone is EWOULDBLOCK ("Module X is in use"); otherwise the state becomes GOING, the
 *       exit function runs, and the module is UNLOADED: any code of it still reachable oopses.
 * </ul>
 *
 * <p>Locking: {@code module_mutex} (a monitor here) guards the list; init and exit run without it,
 * as in the kernel.
 */
public final class ModuleLoader {

    /** A module's code: its module_init and module_exit. */
    public interface ModuleCode {
        /** module_init; throw {@link ErrnoException} to fail the load. */
        void init();

        /** module_exit. */
        void exit();
    }

    /** What a .ko is here: a way to make a module's code for a freshly loaded {@link Module}. */
    @FunctionalInterface
    public interface ModuleImage {
        ModuleCode instantiate(Module self);
    }

    private record Available(ModuleImage image, Set<String> params) {
    }

    private record Loaded(Module module, ModuleCode code) {
    }

    private final Kernel kernel;
    private final Map<String, Available> available = new LinkedHashMap<>();
    private final Map<String, Loaded> loaded = new LinkedHashMap<>();
    private long nextTextBase = 0xffffffffc0a00000L;

    public ModuleLoader(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Makes a module loadable by name, with the parameters it declares (module_param). */
    public synchronized void register(String name, Set<String> params, ModuleImage image) {
        available.put(name, new Available(image, Set.copyOf(params)));
        notifyAll();
    }

    /** Whether a module of this name can be loaded. */
    public synchronized boolean isAvailable(String name) {
        return available.containsKey(name);
    }

    /** insmod: loads the module; EEXIST when it is already loaded. */
    public Module load(String name, Map<String, String> params) {
        Available av;
        Module m;
        synchronized (this) {
            av = available.get(name);
            if (av == null) {
                throw new ErrnoException(Errno.ENOENT, "Module " + name + " not found in the emulated modules directory");
            }
            for (;;) {
                Loaded l = loaded.get(name);
                if (l == null) {
                    break;
                }
                if (l.module.state() == ModuleState.LIVE) {
                    throw new ErrnoException(Errno.EEXIST, "Module " + name + " is already loaded");
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    throw new ErrnoException(Errno.EINTR, "interrupted while waiting for " + name + " to finish unloading");
                }
            }
            for (String k : params.keySet()) {
                if (!av.params.contains(k)) {
                    kernel.log().warn(name + ": unknown parameter '" + k + "' ignored");
                }
            }
            Map<String, String> known = new LinkedHashMap<>(params);
            known.keySet().retainAll(av.params);
            m = new Module(kernel, name, known, nextTextBase);
            nextTextBase += 0x100000L;
            loaded.put(name, new Loaded(m, null));
        }
        ModuleCode code;
        try {
            code = av.image.instantiate(m);
            synchronized (this) {
                loaded.put(name, new Loaded(m, code));
            }
            code.init();
        } catch (RuntimeException e) {
            m.setState(ModuleState.UNLOADED);
            synchronized (this) {
                loaded.remove(name);
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            m.setState(ModuleState.LIVE);
            notifyAll();
        }
        return m;
    }

    /** modprobe: loads the module unless it is already loaded (then returns that one). */
    public Module modprobe(String name, Map<String, String> params) {
        synchronized (this) {
            Loaded l = loaded.get(name);
            if (l != null && l.module.state() == ModuleState.LIVE) {
                return l.module;
            }
        }
        try {
            return load(name, params);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                return find(name).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    /** rmmod (delete_module with O_NONBLOCK). */
    public void unload(String name) {
        Loaded l;
        synchronized (this) {
            l = loaded.get(name);
            if (l == null) {
                throw new ErrnoException(Errno.ENOENT, "Module " + name + " is not currently loaded");
            }
            if (l.module.state() != ModuleState.LIVE) {
                throw new ErrnoException(Errno.EBUSY, "Module " + name + " is " + (l.module.state() == ModuleState.GOING ? "already dying" : "still loading"));
            }
            if (!l.module.tryStop()) {
                throw new ErrnoException(Errno.EWOULDBLOCK, "Module " + name + " is in use");
            }
        }
        try {
            if (l.code != null) {
                l.code.exit();
            }
        } finally {
            synchronized (this) {
                l.module.setState(ModuleState.UNLOADED);
                loaded.remove(name, l);
                notifyAll();
            }
        }
    }

    /** The loaded module of that name (any state but UNLOADED). */
    public synchronized Optional<Module> find(String name) {
        Loaded l = loaded.get(name);
        return l == null ? Optional.empty() : Optional.of(l.module);
    }

    /** Modules loaded now, in load order. */
    public synchronized List<Module> loaded() {
        List<Module> out = new ArrayList<>();
        for (Loaded l : loaded.values()) {
            out.add(l.module);
        }
        return out;
    }

    /** "zram(-) test_sysfs" as the splats' "Modules linked in:" line shows them. */
    public synchronized String linkedInDescription() {
        StringBuilder sb = new StringBuilder();
        for (Loaded l : loaded.values()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(l.module.name());
            ModuleState s = l.module.state();
            if (s == ModuleState.GOING) {
                sb.append("(-)");
            } else if (s == ModuleState.COMING) {
                sb.append("(+)");
            }
        }
        return sb.toString();
    }
}
