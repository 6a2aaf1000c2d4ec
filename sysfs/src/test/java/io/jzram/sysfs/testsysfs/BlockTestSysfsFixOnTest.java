// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

/** The selftest on a block device with the generic fix on. */
@Flavour(block = true, genericFix = true)
class BlockTestSysfsFixOnTest extends BlockTestSysfsSpec {
}
