// SPDX-License-Identifier: GPL-2.0-only
/**
 * The emulated kernel's runtime: {@link io.jzram.kernel.Kernel} (one per emulated machine), its
 * log ({@link io.jzram.kernel.KernelLog}, dmesg with WARN/BUG splats and splat scans), and
 * {@link io.jzram.kernel.Errno} with the exceptions that carry one.
 */
package io.jzram.kernel;
