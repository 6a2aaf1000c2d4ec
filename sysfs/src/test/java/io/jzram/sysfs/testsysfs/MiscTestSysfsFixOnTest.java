// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

/** The selftest on a misc device with the generic fix on. */
@Flavour(block = false, genericFix = true)
class MiscTestSysfsFixOnTest extends TestSysfsSpec {
}
