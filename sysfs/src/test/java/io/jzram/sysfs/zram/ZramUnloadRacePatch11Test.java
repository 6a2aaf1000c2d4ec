// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

/** {@link ZramUnloadRaceSpec} with {@code fixes=patch11}. */
class ZramUnloadRacePatch11Test extends ZramUnloadRaceSpec {
    @Override
    ZramFixes fixes() {
        return ZramFixes.PATCH11;
    }
}
