// SPDX-License-Identifier: GPL-2.0-only
/**
 * The seed's test driver, lib/test_sysfs.c (patches 03/12 and 05/12), as a loadable module of the
 * emulated machine: {@link io.jzram.sysfs.testsysfs.TestSysfsModule}.
 */
package io.jzram.sysfs.testsysfs;
