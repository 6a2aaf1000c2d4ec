// SPDX-License-Identifier: GPL-2.0-only
/**
 * {@code jzram sh}: a bash-like shell whose /sys and /dev are an emulated machine's
 * ({@link io.jzram.shell.Shell}), with the commands a zram scenario needs, each behaving (and
 * failing) like its real counterpart, so one script runs on the emulator and on a real kernel.
 */
package io.jzram.shell;
