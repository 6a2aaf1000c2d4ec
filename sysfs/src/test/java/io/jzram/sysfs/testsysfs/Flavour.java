// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The configuration a concrete selftest class runs: device type and the generic fix. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface Flavour {
    /** TESTDEV_TYPE_BLOCK (devtype=1) or misc. */
    boolean block();

    /** The seed's generic sysfs fix (patch 09/12). */
    boolean genericFix();
}
