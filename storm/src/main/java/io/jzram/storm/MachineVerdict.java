// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.core.ZramMemory;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.Lockdep;
import io.jzram.sysfs.zram.ZramDriver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an emulated machine shows once zram is unloaded for the last time, judged as the storm's
 * verdict judges it: splats in the kernel log (by kind), deadlocks (hung-task reports, and those a
 * {@link DeadlockBreaker} broke), what the unloaded loads still hold (memory, devices left
 * registered by module exit, removed devices still holding memory), and the seed's bugs the log
 * and the leaks show. {@code jzram storm} ({@link ZramStorm}) and {@code jzram run} print the same
 * lines and fail on the same violations.
 *
 * @param splats           splat counts by kind
 * @param hungTaskReports  khungtaskd's reports
 * @param deadlocks        the deadlocks broken (wait chains)
 * @param tasksInterrupted blocked tasks interrupted to break them
 * @param leaks            what the unloaded loads still hold
 * @param bugs             the seed's bugs reproduced, with their evidence
 * @param lockdep          lockdep's verdict on its circular-dependency report, or null (none, or not known): a
 *                         report that cannot deadlock is printed with its reason and is no violation
 */
public record MachineVerdict(Map<SplatKind, Long> splats, long hungTaskReports, List<String> deadlocks, long tasksInterrupted,
        StormReport.Leaks leaks, List<String> bugs, Lockdep.CircularVerdict lockdep) {

    public MachineVerdict {
        splats = Map.copyOf(splats);
        deadlocks = List.copyOf(deadlocks);
        bugs = List.copyOf(bugs);
    }

    /** A verdict without lockdep's verdict (for printing the lines of a report already judged). */
    public MachineVerdict(Map<SplatKind, Long> splats, long hungTaskReports, List<String> deadlocks, long tasksInterrupted,
            StormReport.Leaks leaks, List<String> bugs) {
        this(splats, hungTaskReports, deadlocks, tasksInterrupted, leaks, bugs, null);
    }

    /**
     * Judges a machine after its final unload.
     *
     * @param kernel         the machine's kernel
     * @param drivers        every zram load seen (its driver), unloaded or not
     * @param nativeBefore   {@link ZramMemory#processNativeBytes()} before the machine booted
     * @param finalUnload    "done", or why the final rmmod did not happen
     * @param breaker        the run's deadlock breaker (closed), or null
     * @param logWatch       the run's log watch (polled once more here)
     * @param reloadFailures failed reloads (modprobe after an unload), for bug 1's evidence
     */
    public static MachineVerdict judge(Kernel kernel, Collection<ZramDriver> drivers, long nativeBefore, String finalUnload,
            DeadlockBreaker breaker, KernelLogWatch logWatch, long reloadFailures) {
        logWatch.poll();
        StormReport.Leaks leaks = leaks(drivers, nativeBefore, finalUnload);
        Map<SplatKind, Long> splats = new EnumMap<>(SplatKind.class);
        for (SplatKind k : SplatKind.values()) {
            splats.put(k, kernel.log().splatTotal(k));
        }
        List<String> deadlocks = breaker == null ? List.of() : breaker.deadlocks();
        List<String> drainers = breaker == null ? List.of() : breaker.drainers();
        Lockdep.CircularVerdict cycle = kernel.lockdep().circularVerdict();
        List<String> bugs = bugs(logWatch, leaks.leakedDevices(), leaks.removedDevicesHoldingMemory(), reloadFailures, drainers,
                cycle);
        return new MachineVerdict(splats, kernel.hungTaskWatchdog().reports(), deadlocks,
                breaker == null ? 0 : breaker.interrupted(), leaks, bugs, cycle);
    }

    /** Native memory this process holds now ({@link ZramMemory#processNativeBytes()}): take it before the machine boots. */
    public static long nativeBytes() {
        return ZramMemory.processNativeBytes();
    }

    /** What the loads in {@code drivers} still hold after the final unload. */
    public static StormReport.Leaks leaks(Collection<ZramDriver> drivers, long nativeBefore, String finalUnload) {
        long tracked = 0;
        long trackedNative = 0;
        int leakedDevices = 0;
        int removedHolding = 0;
        for (ZramDriver d : drivers) {
            ZramMemory mem = d.memoryHeld();
            tracked += mem.poolReservedBytes() + mem.tableHeapBytes() + mem.streamBytes() + mem.backingBitmapBytes();
            trackedNative += mem.nativeBytes(); // pool and stream bytes the tracked figure already counts are native too
            leakedDevices += d.leakedDevices().size();
            removedHolding += d.removedDevicesHoldingMemory().size();
        }
        long nativeLeak = Math.max(0, Math.max(0, ZramMemory.processNativeBytes() - nativeBefore) - trackedNative);
        return new StormReport.Leaks(tracked, nativeLeak, leakedDevices, removedHolding, finalUnload.equals("done"), finalUnload);
    }

    /** The seed's bugs that the log, the leaks and the broken deadlocks show, each with its evidence. */
    static List<String> bugs(KernelLogWatch log, int leakedDevices, int removedHolding, long reloadFailures, List<String> drainers,
            Lockdep.CircularVerdict cycle) {
        List<String> bugs = new ArrayList<>();
        if (log.stateLeft() > 0) {
            bugs.add("bug 1 (hotplug multistate at module exit): 'Error: Removing state 57 which has instances left.' x"
                    + log.stateLeft() + " (a disksize store slipped into rmmod's teardown, or a reset's claim made exit skip a "
                    + "device); their compressors' streams were never freed");
        }
        if (leakedDevices > 0) {
            bugs.add("bug 1 by the reset-claim path: module exit left " + leakedDevices + " device(s) registered (zram_remove "
                    + "answered EBUSY for a device a reset had claimed, exit ignored it)"
                    + (reloadFailures > 0 ? "; reload then failed (" + reloadFailures + "x, the name is taken)" : "")
                    + (log.pageFaults() > 0 ? "; touching its files oopsed " + log.pageFaults() + "x (BUG: unable to "
                    + "handle page fault in the unloaded module)" : ""));
        }
        if (removedHolding > 0) {
            bugs.add("remove vs store: " + removedHolding + " removed device(s) kept what a store racing the removal "
                    + "allocated after its reset (disksize: table, pool, compressors; backing_dev: the file and its bitmap), "
                    + "freed by no second reset after del_gendisk");
        }
        if (log.kasan() > 0) {
            bugs.add("reset vs disksize: " + log.kasan() + " KASAN report(s): a disksize store slipped into the pre-5.16 "
                    + "reset's unlocked window, leaving the device initialised over freed memory");
        }
        long exitDeadlocks = drainers.stream().filter(n -> n.equals("rmmod")).count();
        long removeDeadlocks = drainers.stream().filter(n -> n.equals("hotadd")).count();
        if (exitDeadlocks > 0) {
            bugs.add("bug 2 (sysfs store vs module removal): " + exitDeadlocks + " deadlock(s): rmmod, holding zram_index_mutex, "
                    + "drained the active reference of a store waiting for that mutex");
        }
        if (removeDeadlocks > 0) {
            bugs.add("finding (a) (patch 11's store guard vs hot_remove): " + removeDeadlocks + " deadlock(s): hot_remove, "
                    + "holding zram_index_mutex, drained the active reference of a disksize/reset store waiting for it");
        }
        String lc = log.lockdepClassification();
        if (lc != null && exitDeadlocks == 0 && removeDeadlocks == 0 && (cycle == null || cycle.canDeadlock())) {
            bugs.add("lockdep (no deadlock needed): " + lc);
        }
        return bugs;
    }

    /** Deadlocks whose wait chain closed a cycle (the others only passed the hung-task timeout). */
    public long deadlocksWithLockCycle() {
        return deadlocks.stream().filter(d -> d.contains("lock cycle: ")).count();
    }

    public long splatTotal() {
        return splats.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether lockdep's report is one that cannot deadlock (with the reason in {@link #lockdep}). */
    public boolean lockdepCannotDeadlock() {
        return lockdep != null && !lockdep.canDeadlock() && splats.getOrDefault(SplatKind.CIRCULAR_LOCKING, 0L) > 0;
    }

    /**
     * The violations among these: splats (but not lockdep's report of a cycle that cannot deadlock:
     * lockdep reports at most one, and {@link #lockdepSummary} prints it with its reason),
     * deadlocks, leaks, a final unload that did not happen.
     */
    public List<String> violations() {
        List<String> v = new ArrayList<>();
        Map<SplatKind, Long> counted = new EnumMap<>(SplatKind.class);
        counted.putAll(splats);
        if (lockdepCannotDeadlock()) {
            counted.merge(SplatKind.CIRCULAR_LOCKING, -1L, Long::sum);
        }
        if (counted.values().stream().mapToLong(Long::longValue).sum() > 0) {
            v.add("splats: " + counted.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        }
        if (!deadlocks.isEmpty() || hungTaskReports > 0) {
            v.add("deadlocks: " + deadlocks.size() + " (hung-task reports " + hungTaskReports + ")");
        }
        if (leaks.bytes() > 0 || leaks.leakedDevices() > 0) {
            v.add("leaked after the final unload: " + leaks.bytes() + " bytes, " + leaks.leakedDevices() + " devices");
        }
        if (!leaks.finalUnloadDone()) {
            v.add("final unload: " + leaks.finalUnload());
        }
        return v;
    }

    /**
     * The verdict's lockdep line: what the report is ({@code classification}, from the log) and
     * whether it can deadlock, with the reason; null when lockdep reported no cycle.
     */
    public String lockdepSummary(String classification) {
        if (classification == null && lockdep == null) {
            return null;
        }
        String what = classification != null ? classification : "a circular dependency " + String.join(" -> ", lockdep.chain());
        if (lockdep == null) {
            return what;
        }
        return what + (lockdep.canDeadlock() ? "; CAN DEADLOCK: " : "; cannot deadlock, not a violation: ") + lockdep.reason()
                + " (" + String.join(" -> ", lockdep.chain()) + ")";
    }

    /** The verdict's "splats", "deadlocks" and "leaked" lines (two-space indent, newline-terminated). */
    public String lines() {
        StringBuilder sb = new StringBuilder();
        sb.append("  splats             ").append(splatTotal() == 0 ? "none" : splats.entrySet().stream()
                .filter(e -> e.getValue() > 0).sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "))).append('\n');
        long withCycle = deadlocksWithLockCycle();
        sb.append("  deadlocks          ").append(deadlocks.size());
        if (!deadlocks.isEmpty()) {
            sb.append(" (").append(withCycle).append(" with a lock cycle in the wait chain, ").append(deadlocks.size() - withCycle)
                    .append(" with only the hung-task timeout)");
        }
        sb.append(" (hung-task reports ").append(hungTaskReports)
                .append(", blocked tasks interrupted to break them ").append(tasksInterrupted).append(")\n");
        for (String d : deadlocks.subList(0, Math.min(5, deadlocks.size()))) {
            sb.append("                       ").append(d.replace("\n", "\n                       ")).append('\n');
        }
        sb.append("  leaked             ").append(mb(leaks.bytes())).append(" after the final unload (")
                .append(mb(leaks.trackedBytes())).append(" in devices/compressors of unloaded loads, ").append(mb(leaks.nativeBytes()))
                .append(" native not returned; devices left registered by exit ").append(leaks.leakedDevices())
                .append(", removed devices holding memory ").append(leaks.removedDevicesHoldingMemory()).append("; final unload: ")
                .append(leaks.finalUnload()).append(")\n");
        return sb.toString();
    }

    /** The "bugs reproduced" block. */
    public String bugLines() {
        StringBuilder sb = new StringBuilder("  bugs reproduced    ").append(bugs.isEmpty() ? "none" : "").append('\n');
        for (String b : bugs) {
            sb.append("    - ").append(b).append('\n');
        }
        return sb.toString();
    }

    static String mb(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1 << 20) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
