// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

/** printk log levels (include/linux/kern_levels.h), lowest number most severe. */
public enum LogLevel {
    EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG;

    /** The numeric level, 0 for KERN_EMERG to 7 for KERN_DEBUG. */
    public int number() {
        return ordinal();
    }
}
