// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * The loaded modules as the kernel lists them in /proc/modules (kernel/module/procfs.c: m_show, one
 * line per module, the most recently loaded first: "name size refcount deps state address") and as
 * kmod's lsmod prints them ("%-19s %8ld  %d" under "Module                  Size  Used by"). The
 * emulated modules have no image, so the size is 0, no module depends on another (deps "-"), and
 * the address is 0 (as /proc/modules shows it to a reader without CAP_SYSLOG). Stateless.
 */
public final class ProcModules {
    private ProcModules() {
    }

    /** The content of /proc/modules. */
    public static String text(ModuleLoader modules) {
        StringBuilder sb = new StringBuilder();
        for (Module m : newestFirst(modules)) {
            sb.append(m.name()).append(" 0 ").append(m.refcount()).append(" - ").append(state(m)).append(" 0x0000000000000000\n");
        }
        return sb.toString();
    }

    /** What {@code lsmod} prints. */
    public static String lsmod(ModuleLoader modules) {
        StringBuilder sb = new StringBuilder("Module                  Size  Used by\n");
        for (Module m : newestFirst(modules)) {
            sb.append(String.format("%-19s %8d  %d%n", m.name(), 0, m.refcount()));
        }
        return sb.toString();
    }

    private static List<Module> newestFirst(ModuleLoader modules) {
        List<Module> l = new ArrayList<>(modules.loaded());
        java.util.Collections.reverse(l);
        return l;
    }

    private static String state(Module m) {
        switch (m.state()) {
            case COMING:
                return "Loading";
            case GOING:
                return "Unloading";
            default:
                return "Live";
        }
    }
}
