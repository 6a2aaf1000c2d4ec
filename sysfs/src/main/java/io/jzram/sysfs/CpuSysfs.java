// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.kernel.locking.Mutex;
import java.util.BitSet;

/**
 * The CPU files of /sys/devices/system/cpu (drivers/base/cpu.c, drivers/base/core.c's online
 * attribute, kernel/cpu.c's hotplug attributes), over the machine's {@link CpuHotplug}:
 *
 * <ul>
 *   <li>{@code possible}, {@code present}, {@code online}, {@code offline} (0444): CPU lists in the
 *       kernel's range format ({@code 0-3,5}; an empty list is just {@code \n}).
 *   <li>{@code cpuN/online} (0644, not for cpu0): {@code %u\n}; a store parses with kstrtobool,
 *       takes {@code device_hotplug_lock} (trylock, sleep 5 ms and retry as
 *       lock_device_hotplug_sysfs's restart does) and brings the CPU up or down; the errno of a
 *       failed transition (EBUSY for the last CPU, an injected EAGAIN, ...) is the write's.
 *   <li>{@code cpuN/hotplug/state} (0444), {@code target} (0644: only {@code 0} and {@code 236}
 *       without CONFIG_CPU_HOTPLUG_STATE_CONTROL, else EINVAL), {@code fail} (0644: a state number
 *       or -1, with cpuhp's checks).
 *   <li>{@code hotplug/states} (0444): {@code %3d: %s} per named state.
 * </ul>
 * Built-in files: no owner module. Locking: {@code device_hotplug_lock} as in the kernel; the rest is
 * CpuHotplug's.
 */
final class CpuSysfs {

    /** One cpuN directory's object. */
    record Cpu(CpuHotplug hotplug, Mutex deviceHotplugLock, int id) {
    }

    private CpuSysfs() {
    }

    static void create(Sysfs sysfs, KObject systemDir, CpuHotplug hotplug, Mutex deviceHotplugLock) {
        KObject cpuDir = sysfs.dir(systemDir, "cpu");
        sysfs.createGroup(cpuDir, MASKS, hotplug);
        KObject hp = sysfs.createDir(cpuDir, "hotplug");
        sysfs.createFile(hp, STATES, hotplug);
        for (int c = 0; c < hotplug.nrCpus(); c++) {
            Cpu cpu = new Cpu(hotplug, deviceHotplugLock, c);
            KObject dir = sysfs.createDir(cpuDir, "cpu" + c);
            sysfs.createGroup(dir, ONLINE_GROUP, cpu);
            sysfs.createGroup(dir, HOTPLUG_GROUP, cpu);
        }
    }

    /** cpumap_print_to_pagebuf(true, ...): {@code 0-3,5\n}. */
    static String rangeList(BitSet mask) {
        StringBuilder sb = new StringBuilder();
        int i = mask.nextSetBit(0);
        while (i >= 0) {
            int end = mask.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = mask.nextSetBit(end + 1);
        }
        return sb.append('\n').toString();
    }

    private static BitSet all(CpuHotplug hp) {
        BitSet b = new BitSet();
        b.set(0, hp.nrCpus());
        return b;
    }

    private static final AttributeGroup<CpuHotplug> MASKS = AttributeGroup.of(
            Attribute.ro("possible", (hp, buf) -> buf.emit(rangeList(all(hp)))),
            Attribute.ro("present", (hp, buf) -> buf.emit(rangeList(all(hp)))),
            Attribute.ro("online", (hp, buf) -> buf.emit(rangeList(hp.onlineMask()))),
            Attribute.ro("offline", (hp, buf) -> {
                BitSet off = all(hp);
                off.andNot(hp.onlineMask());
                return buf.emit(rangeList(off));
            }));

    private static final Attribute<CpuHotplug> STATES = Attribute.ro("states", (hp, buf) -> buf.emit(hp.statesListing()));

    /** lock_device_hotplug_sysfs(): trylock; on contention sleep 5 ms and restart. */
    private static void lockDeviceHotplug(Mutex m) {
        while (!m.tryLock()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new ErrnoException(Errno.EINTR, "interrupted while waiting for device_hotplug_lock");
            }
        }
    }

    private static final AttributeGroup<Cpu> ONLINE_GROUP = AttributeGroup.<Cpu>builder()
            .add(Attribute.rw("online", (cpu, buf) -> buf.emit(cpu.hotplug().isOnline(cpu.id()) ? "1\n" : "0\n"),
                    (cpu, buf) -> {
                        boolean up = Kstrtox.kstrtobool(buf.text());
                        lockDeviceHotplug(cpu.deviceHotplugLock());
                        try {
                            if (up) {
                                cpu.hotplug().cpuUp(cpu.id());
                            } else {
                                cpu.hotplug().cpuDown(cpu.id());
                            }
                        } finally {
                            cpu.deviceHotplugLock().unlock();
                        }
                        return buf.count();
                    }))
            .isVisible((cpu, attr, i) -> cpu.hotplug().isHotpluggable(cpu.id()) ? attr.mode() : 0)
            .build();

    private static final AttributeGroup<Cpu> HOTPLUG_GROUP = AttributeGroup.<Cpu>builder().name("hotplug")
            .add(Attribute.ro("state", (cpu, buf) -> buf.emit(cpu.hotplug().cpuState(cpu.id()) + "\n")))
            .add(Attribute.rw("target", (cpu, buf) -> buf.emit(cpu.hotplug().cpuTarget(cpu.id()) + "\n"), (cpu, buf) -> {
                int target = Kstrtox.kstrtoint(buf.text(), 10);
                if (target < CpuhpState.OFFLINE || target > CpuhpState.ONLINE) {
                    throw new ErrnoException(Errno.EINVAL, "target " + target + " is outside 0.." + CpuhpState.ONLINE);
                }
                if (target != CpuhpState.OFFLINE && target != CpuhpState.ONLINE) {
                    throw new ErrnoException(Errno.EINVAL, "only 0 and " + CpuhpState.ONLINE + " without CONFIG_CPU_HOTPLUG_STATE_CONTROL");
                }
                lockDeviceHotplug(cpu.deviceHotplugLock());
                try {
                    int state = cpu.hotplug().cpuState(cpu.id());
                    if (state < target) {
                        cpu.hotplug().cpuUp(cpu.id());
                    } else if (state > target) {
                        cpu.hotplug().cpuDown(cpu.id());
                    }
                } finally {
                    cpu.deviceHotplugLock().unlock();
                }
                return buf.count();
            }))
            .add(Attribute.rw("fail", (cpu, buf) -> buf.emit(cpu.hotplug().cpuFail(cpu.id()) + "\n"), (cpu, buf) -> {
                int fail = Kstrtox.kstrtoint(buf.text(), 10);
                cpu.hotplug().setCpuFail(cpu.id(), fail);
                return buf.count();
            }))
            .build();
}
