// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/**
 * Where a {@link ZramDriverHook} fired: the point, the driver instance (one per load) and the
 * device concerned, or null at driver-wide points.
 */
public record ZramHookSite(ZramDriverHook point, ZramDriver driver, ZramDisk zram) {
}
