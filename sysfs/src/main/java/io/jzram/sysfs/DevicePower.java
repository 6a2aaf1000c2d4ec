// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;

/**
 * The {@code power/} directory every device gets (drivers/base/power/sysfs.c, dpm_sysfs_add with the
 * runtime PM attributes), as a device whose runtime PM is never enabled shows it: {@code control}
 * ("auto", or "on" after writing "on"; sysfs_streq, so a trailing newline is fine; anything else
 * EINVAL), {@code runtime_status} "unsupported", {@code runtime_active_time} and
 * {@code runtime_suspended_time} 0, and {@code autosuspend_delay_ms}, which answers EIO to reads
 * and writes alike (the device does not use autosuspend). Writing {@code control} changes nothing
 * else here: the device has no runtime PM to forbid or allow.
 */
final class DevicePower {

    private DevicePower() {
    }

    private static boolean streq(String s, String word) {
        return s.equals(word) || s.equals(word + "\n");
    }

    static final AttributeGroup<Device> GROUP = AttributeGroup.<Device>builder().name("power")
            .add(Attribute.rw("control", (dev, buf) -> buf.emit(dev.runtimeForbidden ? "on\n" : "auto\n"), (dev, buf) -> {
                String s = buf.cString();
                if (streq(s, "on")) {
                    dev.runtimeForbidden = true;
                } else if (streq(s, "auto")) {
                    dev.runtimeForbidden = false;
                } else {
                    throw new ErrnoException(Errno.EINVAL, "power/control takes 'on' or 'auto'");
                }
                return buf.count();
            }))
            .add(Attribute.ro("runtime_suspended_time", (dev, buf) -> buf.emit("0\n")))
            .add(Attribute.ro("runtime_active_time", (dev, buf) -> buf.emit("0\n")))
            .add(Attribute.ro("runtime_status", (dev, buf) -> buf.emit("unsupported\n")))
            .add(Attribute.rw("autosuspend_delay_ms", (dev, buf) -> {
                throw new ErrnoException(Errno.EIO, dev.name() + " does not use autosuspend");
            }, (dev, buf) -> {
                throw new ErrnoException(Errno.EIO, dev.name() + " does not use autosuspend");
            }))
            .build();
}
