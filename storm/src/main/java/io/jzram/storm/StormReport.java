// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.hotplug.HotplugStorm;
import io.jzram.hotplug.MultiInstanceStorm;
import io.jzram.kernel.SplatKind;
import io.jzram.sysfs.zram.ZramKconfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a {@link ZramStorm} saw and its verdict: data lost (a verified read that differs from the
 * last acknowledged write and that no reset explains), splats by kind, deadlocks (hung-task
 * reports; the storm broke each by interrupting the blocked lock waiters), bytes still held after
 * the final unload, how every contended operation ended (by errno), which of the seed's bugs it
 * reproduced (with the evidence), throughput, the CPU hotplug storm and the multi-instance part.
 * {@link #ok()} only when nothing was violated.
 */
public record StormReport(StormConfig config, Duration elapsed, Io io, long dataLost, List<String> dataLossSamples,
        Map<SplatKind, Long> splats, long hungTaskReports, List<String> deadlocks, long tasksInterrupted,
        Leaks leaks, long unloadCycles, long reloads, long reloadFailures, Map<String, Map<String, Long>> outcomes,
        Map<String, Map<String, Long>> duringUnload, Map<String, Long> errnos, List<String> bugs, String lockdepCycle,
        HotplugStorm.Report hotplug, MultiInstanceStorm.InstanceReport instances, List<String> internalErrors,
        List<String> violations) {

    /** The devices' I/O. */
    public record Io(long writes, long reads, long discards, long bytesWritten, long bytesRead, long pagesVerified,
            long racedReads, long generationsNoticed, long ioErrors, long unexplainedIoErrors, Map<String, Long> ioErrorsExplained) {
        public double writeMBps(Duration elapsed) {
            return bytesWritten / 1e6 / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }

        public double readMBps(Duration elapsed) {
            return bytesRead / 1e6 / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    /** What the unloaded loads still hold after the final unload. */
    public record Leaks(long trackedBytes, long nativeBytes, int leakedDevices, int removedDevicesHoldingMemory,
            boolean finalUnloadDone, String finalUnload) {
        public long bytes() {
            return Math.max(trackedBytes, 0) + Math.max(nativeBytes, 0);
        }
    }

    public boolean ok() {
        return violations.isEmpty();
    }

    /** Deadlocks whose wait chain closed a cycle (the others only passed the hung-task timeout). */
    public long deadlocksWithLockCycle() {
        return deadlocks.stream().filter(d -> d.contains("lock cycle: ")).count();
    }

    private String ioErrorDetail() {
        if (io.ioErrors() == 0) {
            return "";
        }
        String explained = io.ioErrorsExplained().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return " (explained: " + (explained.isEmpty() ? "none" : explained) + "; unexplained " + io.unexplainedIoErrors()
                + (io.unexplainedIoErrors() > 0 ? " <-- VIOLATION" : "") + ")";
    }

    public long splatTotal() {
        return splats.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String counts(String op, Map<String, Long> m) {
        if (m == null || m.isEmpty()) {
            return "-";
        }
        return m.entrySet().stream().map(e -> label(op, e.getKey()) + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** An outcome as the verdict names it: EAGAIN of rmmod is the loader's "in use". */
    static String label(String op, String outcome) {
        if (outcome.equals("ok")) {
            return "succeeded";
        }
        if (op.equals("rmmod") && outcome.equals("EAGAIN")) {
            return "in use (EAGAIN)";
        }
        return outcome;
    }

    /** The verdict, as {@code jzram storm} prints it at the end. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        StormConfig c = config;
        sb.append(String.format(Locale.ROOT, "verdict (fixes=%s, seed %d, %.1f s, %d CPUs, %d devices):%n", c.fixes().paramValue(),
                c.seed(), elapsed.toNanos() / 1e9, c.cpus(), c.devices()));
        sb.append(String.format(Locale.ROOT, "  data lost          %d%s (pages verified %d, reads skipped as racing a write %d, resets/re-inits noticed %d)%n",
                dataLost, dataLost == 0 ? "" : " <-- VIOLATION", io.pagesVerified(), io.racedReads(), io.generationsNoticed()));
        for (String s : dataLossSamples) {
            sb.append("                       ").append(s).append('\n');
        }
        MachineVerdict machine = new MachineVerdict(splats, hungTaskReports, deadlocks, tasksInterrupted, leaks, bugs);
        sb.append(machine.lines());
        sb.append("  unload cycles      ").append(unloadCycles).append(" (reloads ").append(reloads).append(", failed reloads ")
                .append(reloadFailures).append(")\n");
        sb.append("  races              how the contended operations ended:\n");
        for (String op : List.of("rmmod", "modprobe", "hot_remove", "hot_add", "reset", "disksize", "open")) {
            Map<String, Long> m = outcomes.get(op);
            if (m != null) {
                sb.append(String.format("    %-16s %s%n", op, counts(op, m)));
            }
        }
        if (!duringUnload.isEmpty()) {
            sb.append("    while module exit ran:\n");
            for (Map.Entry<String, Map<String, Long>> e : duringUnload.entrySet()) {
                sb.append(String.format("      %-16s %s%n", e.getKey(), counts(e.getKey(), e.getValue())));
            }
        }
        sb.append("  other sysfs        ");
        sb.append(outcomes.entrySet().stream()
                .filter(e -> !List.of("rmmod", "modprobe", "hot_remove", "hot_add", "reset", "disksize", "open", "write", "read", "discard")
                        .contains(e.getKey()))
                .map(e -> e.getKey() + " [" + counts(e.getKey(), e.getValue()) + "]").collect(Collectors.joining("; "))).append('\n');
        sb.append(machine.bugLines());
        if (lockdepCycle != null) {
            sb.append("  lockdep            ").append(lockdepCycle).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "  I/O                %d writes (%.1f MB/s), %d reads (%.1f MB/s), %d discards, %d I/O errors%s%n",
                io.writes(), io.writeMBps(elapsed), io.reads(), io.readMBps(elapsed), io.discards(), io.ioErrors(), ioErrorDetail()));
        if (hotplug != null) {
            sb.append(String.format(Locale.ROOT, "  CPU hotplug        %d toggles (%.1f/s; up %d, down %d, refused/failed %d %s)%n",
                    hotplug.toggles(), hotplug.toggles() / Math.max(1e-9, hotplug.elapsed().toNanos() / 1e9), hotplug.ups(),
                    hotplug.downs(), hotplug.failed(), hotplug.failures()));
        }
        if (instances != null) {
            sb.append(String.format("  instances          added %d (failed %d), removed %d, startups %d, teardowns %d, "
                    + "injected failures %d, armed hotplug/fail %d, checks %d, live at end %d, violations %d%n",
                    instances.instanceAdds(), instances.instanceAddFailures(), instances.instanceRemoves(), instances.startups(),
                    instances.teardowns(), instances.injectedFailures(), instances.armedFails(), instances.checks(),
                    instances.liveResourcesAtEnd(), instances.violations().size()));
        }
        if (!internalErrors.isEmpty()) {
            sb.append("  internal errors    ").append(internalErrors.size()).append('\n');
            internalErrors.stream().limit(5).forEach(e -> sb.append("    ").append(e).append('\n'));
        }
        if (ok()) {
            sb.append("verdict: OK");
        } else {
            sb.append("verdict: FAILED (").append(String.join("; ", violations)).append(')');
        }
        return sb.append('\n').toString();
    }

    /** The machine-readable summary ({@code --json}). */
    public String toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("cpus", config.cpus());
        cfg.put("devices", config.devices());
        cfg.put("durationSeconds", config.duration().toNanos() / 1e9);
        cfg.put("fixes", config.fixes().paramValue());
        cfg.put("seed", config.seed());
        cfg.put("hotplugRate", config.hotplugRate());
        cfg.put("instances", config.instances());
        cfg.put("hungTaskTimeoutSeconds", config.hungTaskTimeout().toMillis() / 1000.0);
        cfg.put("readersPerDevice", config.readersPerDevice());
        cfg.put("sysfsWriters", config.sysfsWriters());
        cfg.put("unloadIntervalSeconds", config.unloadInterval().toMillis() / 1000.0);
        cfg.put("disksize", config.diskSize());
        cfg.put("hotAdd", config.hotAdd());
        cfg.put("unload", config.unload());
        cfg.put("lockdep", config.lockdep());
        cfg.put("kconfig", config.kconfig().equals(ZramKconfig.realKernel()) ? "real" : "full");
        j.put("config", cfg);
        j.put("ok", ok());
        j.put("violations", violations);
        j.put("elapsedSeconds", elapsed.toNanos() / 1e9);
        j.put("dataLost", dataLost);
        j.put("dataLossSamples", dataLossSamples);
        Map<String, Object> sp = new LinkedHashMap<>();
        splats.forEach((k, v) -> sp.put(k.name(), v));
        j.put("splats", sp);
        j.put("hungTaskReports", hungTaskReports);
        j.put("deadlocks", deadlocks);
        j.put("deadlocksWithLockCycle", deadlocksWithLockCycle());
        j.put("tasksInterrupted", tasksInterrupted);
        Map<String, Object> lk = new LinkedHashMap<>();
        lk.put("bytes", leaks.bytes());
        lk.put("trackedBytes", leaks.trackedBytes());
        lk.put("nativeBytes", leaks.nativeBytes());
        lk.put("devicesLeftRegistered", leaks.leakedDevices());
        lk.put("removedDevicesHoldingMemory", leaks.removedDevicesHoldingMemory());
        lk.put("finalUnload", leaks.finalUnload());
        j.put("leaked", lk);
        j.put("unloadCycles", unloadCycles);
        j.put("reloads", reloads);
        j.put("reloadFailures", reloadFailures);
        j.put("outcomes", outcomes);
        j.put("outcomesWhileRmmodRan", duringUnload);
        j.put("errorsByErrno", errnos);
        j.put("bugsReproduced", bugs);
        j.put("lockdepCycle", lockdepCycle);
        Map<String, Object> io = new LinkedHashMap<>();
        io.put("writes", this.io.writes());
        io.put("reads", this.io.reads());
        io.put("discards", this.io.discards());
        io.put("bytesWritten", this.io.bytesWritten());
        io.put("bytesRead", this.io.bytesRead());
        io.put("writeMBps", this.io.writeMBps(elapsed));
        io.put("readMBps", this.io.readMBps(elapsed));
        io.put("pagesVerified", this.io.pagesVerified());
        io.put("readsRacingAWrite", this.io.racedReads());
        io.put("resetsNoticed", this.io.generationsNoticed());
        io.put("ioErrors", this.io.ioErrors());
        io.put("unexplainedIoErrors", this.io.unexplainedIoErrors());
        io.put("ioErrorsExplained", this.io.ioErrorsExplained());
        j.put("io", io);
        if (hotplug != null) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("toggles", hotplug.toggles());
            h.put("ups", hotplug.ups());
            h.put("downs", hotplug.downs());
            Map<String, Object> f = new LinkedHashMap<>();
            hotplug.failures().forEach((k, v) -> f.put(k.name(), v));
            h.put("failures", f);
            h.put("elapsedSeconds", hotplug.elapsed().toNanos() / 1e9);
            j.put("hotplug", h);
        }
        if (instances != null) {
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("adds", instances.instanceAdds());
            in.put("addFailures", instances.instanceAddFailures());
            in.put("removes", instances.instanceRemoves());
            in.put("startups", instances.startups());
            in.put("teardowns", instances.teardowns());
            in.put("injectedFailures", instances.injectedFailures());
            in.put("armedFails", instances.armedFails());
            in.put("checks", instances.checks());
            in.put("liveAtEnd", instances.liveResourcesAtEnd());
            in.put("violations", instances.violations());
            j.put("instances", in);
        }
        j.put("internalErrors", internalErrors);
        return Json.write(j);
    }
}
