// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.Mutex;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The misc character device class (drivers/char/misc.c): class {@code misc}, major 10, devices at
 * /sys/devices/virtual/misc/NAME (symlinked from /sys/class/misc/NAME) with their groups, and a
 * /dev/NAME node (mode 0600) whose open goes to the device's file operations (ENODEV when there
 * are none).
 *
 * <p>Locking: {@code misc_mtx} (a lockdep-visible mutex) is held across register and deregister,
 * including the device removal and therefore the drain of the device's attributes, as in the
 * kernel. Dynamic minors count down from 127 (a {@code BitSet} under misc_mtx).
 */
public final class MiscRegistry {

    /** MISC_MAJOR. */
    public static final int MISC_MAJOR = 10;
    private static final int DYNAMIC_MINORS = 128;

    private final DriverCore core;
    private final DeviceClass miscClass = DeviceClass.of("misc");
    private final Mutex miscMtx;
    private final BitSet usedMinors = new BitSet(256);
    private final Map<String, MiscDevice> registered = new LinkedHashMap<>();

    public MiscRegistry(Kernel kernel, DriverCore core) {
        this.core = core;
        this.miscMtx = new Mutex(kernel, "misc_mtx");
        core.classRegister(miscClass);
    }

    public DeviceClass miscClass() {
        return miscClass;
    }

    /** misc_register(): EBUSY for a minor in use or no dynamic minor left, EEXIST for a name in use. */
    public void register(MiscDevice misc) {
        miscMtx.lock();
        try {
            int minor = misc.requestedMinor();
            if (minor == MiscDevice.DYNAMIC_MINOR) {
                int i = 0;
                while (i < DYNAMIC_MINORS && usedMinors.get(DYNAMIC_MINORS - 1 - i)) {
                    i++;
                }
                if (i >= DYNAMIC_MINORS) {
                    throw new ErrnoException(Errno.EBUSY, "no dynamic misc minor left for " + misc.name());
                }
                minor = DYNAMIC_MINORS - 1 - i;
            } else if (usedMinors.get(minor)) {
                throw new ErrnoException(Errno.EBUSY, "misc minor " + minor + " is in use");
            }
            Device dev = Device.builder(misc.name()).deviceClass(miscClass).devt(MISC_MAJOR, minor, DevNode.Kind.CHAR, 0600, misc)
                    .groups(misc.groups()).driverData(misc).build();
            core.deviceAdd(dev);
            usedMinors.set(minor);
            misc.minor = minor;
            misc.thisDevice = dev;
            registered.put(misc.name(), misc);
        } finally {
            miscMtx.unlock();
        }
    }

    /** misc_deregister(): removes the device (draining its attributes) under misc_mtx. */
    public void deregister(MiscDevice misc) {
        miscMtx.lock();
        try {
            Device dev = misc.thisDevice;
            if (dev == null) {
                return;
            }
            registered.remove(misc.name(), misc);
            core.deviceDel(dev);
            usedMinors.clear(misc.minor);
            misc.thisDevice = null;
            misc.minor = -1;
        } finally {
            miscMtx.unlock();
        }
    }

    /** The registered misc devices, in registration order. */
    public List<MiscDevice> devices() {
        miscMtx.lock();
        try {
            return List.copyOf(registered.values());
        } finally {
            miscMtx.unlock();
        }
    }
}
