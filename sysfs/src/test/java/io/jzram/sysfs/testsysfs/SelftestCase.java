// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.testsysfs;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Which case of tools/testing/selftests/sysfs/sysfs.sh a test method is: its number on a misc device
 * (0001-0013; the block twins are 13 higher) or its block-only number (0027-0032).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface SelftestCase {
    int value();

    String description();
}
