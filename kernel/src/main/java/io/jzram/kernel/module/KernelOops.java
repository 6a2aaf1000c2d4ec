// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.module;

/**
 * Thrown where the emulated kernel oopses (a call into an unloaded module's text): the BUG/Oops
 * splat is already in the log; the task that hit it unwinds with this exception, as an oopsing
 * task is killed.
 */
public final class KernelOops extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelOops(String message) {
        super(message);
    }
}
