// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.module;

/** enum module_state (include/linux/module.h), plus UNLOADED for a module whose memory is gone. */
public enum ModuleState {
    /** Being initialised: its init function runs. */
    COMING,
    /** Initialised and usable. */
    LIVE,
    /** Being removed: try_module_get fails, its exit function runs. */
    GOING,
    /** Gone: its text and data are freed; calling into it oopses. */
    UNLOADED
}
