// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/** {@link ZramUnloadRaceSpec} with {@code fixes=none}. */
class ZramUnloadRaceNoneTest extends ZramUnloadRaceSpec {
    @Override
    ZramFixes fixes() {
        return ZramFixes.NONE;
    }
}
