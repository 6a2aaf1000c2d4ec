// SPDX-License-Identifier: GPL-2.0-only
/**
 * Loadable modules: {@link io.jzram.kernel.module.Module} (state, refcount, try_module_get) and
 * the {@link io.jzram.kernel.module.ModuleLoader} with modprobe/rmmod semantics.
 */
package io.jzram.kernel.module;
