// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU hotplug state space (include/linux/cpuhotplug.h) as numbered on the project's 6.18
 * machines ({@code /sys/devices/system/cpu/hotplug/states}): {@code 0: offline}, the PREPARE
 * section whose callbacks run on the control CPU before a CPU starts and after it is dead
 * ({@code 57: block/zram:prepare} among them), the bring-up of the CPU itself, the AP states that
 * run on the CPU, the ONLINE section with its dynamic range, and {@code 236: online}.
 *
 * <p>The built-in states listed here carry names only (their callbacks belong to the rest of a real
 * kernel); the emulator's users register their own callbacks on free static or dynamic states.
 */
public final class CpuhpState {

    private CpuhpState() {
    }

    /** CPUHP_INVALID: what {@code cpuN/hotplug/fail} shows when nothing is armed. */
    public static final int INVALID = -1;
    /** CPUHP_OFFLINE. */
    public static final int OFFLINE = 0;
    /** CPUHP_ZCOMP_PREPARE: zram's compression streams. */
    public static final int ZCOMP_PREPARE = 57;
    /** CPUHP_BP_PREPARE_DYN: first dynamic PREPARE state. */
    public static final int BP_PREPARE_DYN = 60;
    /** CPUHP_BP_PREPARE_DYN_END (exclusive). */
    public static final int BP_PREPARE_DYN_END = 80;
    /** CPUHP_BRINGUP_CPU: the CPU is started here (online from then on); the boundary of PREPARE. */
    public static final int BRINGUP_CPU = 96;
    /** CPUHP_AP_ONLINE. */
    public static final int AP_ONLINE = 143;
    /** CPUHP_AP_ONLINE_DYN: first dynamic ONLINE state. */
    public static final int AP_ONLINE_DYN = 192;
    /** CPUHP_AP_ONLINE_DYN_END (exclusive). */
    public static final int AP_ONLINE_DYN_END = 232;
    /** CPUHP_AP_ACTIVE: the scheduler uses the CPU from here on. */
    public static final int AP_ACTIVE = 235;
    /** CPUHP_ONLINE: the target of a CPU that is up. */
    public static final int ONLINE = 236;

    /** The names of the states a booted kernel has, before any module adds its own. */
    static Map<Integer, String> builtinNames() {
        Map<Integer, String> m = new TreeMap<>();
        m.put(OFFLINE, "offline");
        m.put(1, "threads:prepare");
        m.put(35, "random:prepare");
        m.put(36, "workqueue:prepare");
        m.put(38, "hrtimers:prepare");
        m.put(40, "smpcfd:prepare");
        m.put(41, "relay:prepare");
        m.put(43, "RCU/tree:prepare");
        m.put(51, "base/topology:prepare");
        m.put(54, "trace/RB:prepare");
        m.put(58, "timers:prepare");
        m.put(59, "tmigr:prepare");
        m.put(BRINGUP_CPU, "cpu:bringup");
        m.put(AP_ONLINE, "ap:online");
        m.put(147, "kvm/cpu:online");
        m.put(149, "smpboot/threads:online");
        m.put(150, "irq/affinity:online");
        m.put(151, "block/mq:online");
        m.put(154, "perf:online");
        m.put(185, "tmigr:online");
        m.put(186, "lockup_detector:online");
        m.put(187, "workqueue:online");
        m.put(188, "random:online");
        m.put(189, "RCU/tree:online");
        m.put(190, "kthreads:online");
        m.put(191, "base/cacheinfo:online");
        m.put(AP_ACTIVE, "sched:active");
        m.put(ONLINE, "online");
        return m;
    }

    /** Whether a state's callbacks run on the control CPU (PREPARE section and bring-up). */
    public static boolean isPrepare(int state) {
        return state <= BRINGUP_CPU;
    }
}
