// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

/** The selftest on a block device with the generic fix off. */
@Flavour(block = true, genericFix = false)
class BlockTestSysfsFixOffTest extends BlockTestSysfsSpec {
}
