// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.hotplug.MultiInstanceStorm;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.lib.Memparse;
import io.jzram.storm.StormConfig;
import io.jzram.storm.StormReport;
import io.jzram.storm.ThroughputRun;
import io.jzram.storm.ZramStorm;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jzram storm}: the zram storm ({@link ZramStorm}): devices under I/O with verification, a
 * CPU hotplug storm, sysfs writers, hot_add/hot_remove and module unload/reload cycles on one
 * emulated machine in a chosen fix set, then a verdict; exit status 0 only when nothing was
 * violated. {@code --throughput} measures device write throughput with and without a hotplug storm
 * ({@link ThroughputRun}); {@code --hotplug-only} is issue 2's storm alone ({@link MultiInstanceStorm}).
 */
@Command(name = "storm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Storms an emulated machine with zram loaded: devices under verified I/O, a CPU hotplug storm, "
                + "sysfs writers, hot_add/hot_remove and module unload/reload cycles, then prints a verdict.",
            "Exit status: 0 nothing violated, 1 a violation (data lost, a splat, a deadlock, a leak), 2 bad usage."})
public final class StormCommand implements Callable<Integer> {

    @Option(names = "--cpus", description = "virtual CPUs (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int cpus;

    @Option(names = "--devices", description = "zram devices under I/O (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int devices;

    @Option(names = "--duration", description = "how long to storm, e.g. 30s, 2m (default: ${DEFAULT-VALUE})", defaultValue = "30s")
    Duration duration;

    @Option(names = "--fixes", description = "fix set: none, seed, upstream, all or patch11 (default: ${DEFAULT-VALUE})",
            defaultValue = "all", converter = FixesConverter.class)
    ZramFixes fixes;

    @Option(names = "--seed", description = "random seed (default: time based; printed, so a run's choices can be replayed)")
    Long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "write a machine-readable summary to FILE")
    Path json;

    @Option(names = "--rate", description = "CPU up/down toggles per second, 0 for none (default: ${DEFAULT-VALUE})",
            defaultValue = "100")
    double rate;

    @Option(names = "--instances", description = "instances of the multi-instance hotplug part running alongside on the same "
            + "CPUs (issue 2's storm), 0 for none (default: ${DEFAULT-VALUE})", defaultValue = "2")
    int instances;

    @Option(names = "--churn-threads", description = "threads adding/removing those instances (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int churnThreads;

    @Option(names = "--failure-rate", description = "probability that an instance's startup callback fails (default: ${DEFAULT-VALUE})",
            defaultValue = "0.01")
    double failureRate;

    @Option(names = "--hung-task-timeout", description = "hung_task_timeout_secs of the emulated kernel: a task blocked this "
            + "long counts as deadlocked and is interrupted (default: ${DEFAULT-VALUE})", defaultValue = "2s")
    Duration hungTaskTimeout;

    @Option(names = "--readers", description = "verifying readers per device (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int readers;

    @Option(names = "--sysfs-writers", description = "threads writing zram's sysfs attributes (default: ${DEFAULT-VALUE})",
            defaultValue = "2")
    int sysfsWriters;

    @Option(names = "--unload-interval", description = "about how often a module unload/reload cycle starts (default: "
            + "${DEFAULT-VALUE})", defaultValue = "1s")
    Duration unloadInterval;

    @Option(names = "--disk-size", description = "disksize the devices are given, e.g. 4M (default: ${DEFAULT-VALUE})",
            defaultValue = "4M")
    String diskSize;

    @Option(names = "--no-unload", description = "no module unload/reload cycles")
    boolean noUnload;

    @Option(names = "--no-hot-add", description = "no hot_add/hot_remove")
    boolean noHotAdd;

    @Option(names = {"-q", "--quiet"}, description = "no progress lines and no kernel log excerpt: the verdict only")
    boolean quiet;

    @Option(names = "--dmesg", paramLabel = "FILE", description = "write the emulated kernel's whole log to FILE")
    Path dmesg;

    @Option(names = "--throughput", description = "measure device write throughput with and without a hotplug storm at --rate "
            + "instead (alternating 1 s phases for --duration); exit 1 below 80 %%")
    boolean throughput;

    @Option(names = "--hotplug-only", description = "issue 2's storm alone: the multi-instance state without zram")
    boolean hotplugOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** --fixes, case-insensitive, with the module parameter's names. */
    static final class FixesConverter implements CommandLine.ITypeConverter<ZramFixes> {
        @Override
        public ZramFixes convert(String value) {
            try {
                return ZramFixes.parse(value);
            } catch (ErrnoException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a fix set (none, seed, upstream, all, patch11)");
            }
        }
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        long s = seed != null ? seed : System.nanoTime();
        if (hotplugOnly) {
            return hotplugOnly(out, s);
        }
        if (throughput) {
            return throughput(out, s);
        }
        StormConfig cfg;
        try {
            long size = Memparse.memparse(diskSize).value();
            cfg = StormConfig.builder().cpus(cpus).devices(devices).duration(duration).fixes(fixes).seed(s).hotplugRate(rate)
                    .instances(instances).churnThreads(churnThreads).instanceFailureRate(failureRate)
                    .hungTaskTimeout(hungTaskTimeout).readersPerDevice(readers).sysfsWriters(sysfsWriters)
                    .unloadInterval(unloadInterval).diskSize(size).hotAdd(!noHotAdd).unload(!noUnload).build();
        } catch (IllegalArgumentException | ErrnoException e) {
            System.err.println("jzram storm: " + e.getMessage());
            return 2;
        }
        out.printf("jzram storm: fixes=%s, %d CPUs, %d devices, %s, %.0f toggles/s, %d instances, seed %d%n",
                fixes.paramValue(), cpus, devices, Durations.format(duration), rate, instances, s);
        ZramStorm storm = new ZramStorm(cfg);
        StormReport r = storm.run(quiet ? line -> { } : out::println);
        out.println();
        if (!quiet && r.splatTotal() > 0) {
            List<String> lines = storm.splatLines(40);
            out.println("kernel log, first splat lines (" + r.splatTotal() + " in all" + (dmesg == null ? "; --dmesg FILE for everything" : "")
                    + "):");
            lines.forEach(l -> out.println("  " + l));
            out.println();
        }
        out.print(r.describe());
        try {
            if (json != null) {
                Files.writeString(json, r.toJson(), StandardCharsets.UTF_8);
            }
            if (dmesg != null) {
                Files.writeString(dmesg, storm.dmesg(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            System.err.println("jzram storm: " + e.getMessage());
            return 2;
        }
        return r.ok() ? 0 : 1;
    }

    private int throughput(PrintStream out, long s) {
        out.printf("jzram storm --throughput: fixes=%s, %d CPUs, %d writers, %s of alternating 1 s phases, storm phases at %.0f toggles/s, seed %d%n",
                fixes.paramValue(), cpus, devices, Durations.format(duration), rate, s);
        ThroughputRun.Result r;
        try {
            r = ThroughputRun.run(cpus, devices, fixes, rate, duration, Duration.ofSeconds(1), s, quiet ? l -> { } : out::println);
        } catch (IllegalArgumentException e) {
            System.err.println("jzram storm: " + e.getMessage());
            return 2;
        }
        out.println(r.describe());
        if (json != null) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(java.util.Locale.ROOT, "{\n  \"mode\": \"throughput\",\n  \"cpus\": %d,\n  \"writers\": %d,\n  \"fixes\": \"%s\",\n"
                    + "  \"rate\": %.1f,\n  \"write_mb_s_without_storm\": %.3f,\n  \"write_mb_s_with_storm\": %.3f,\n  \"ratio\": %.4f,\n"
                    + "  \"toggles_per_s\": %.2f,\n  \"phases\": [", r.cpus(), r.writers(), r.fixes(), r.rate(), r.mbpsWithout(),
                    r.mbpsWith(), r.ratio(), r.togglesPerSecond()));
            for (int i = 0; i < r.phases().size(); i++) {
                ThroughputRun.Phase p = r.phases().get(i);
                sb.append(String.format(java.util.Locale.ROOT, "%s\n    {\"storm\": %s, \"seconds\": %.3f, \"bytes\": %d, \"toggles\": %d}",
                        i == 0 ? "" : ",", p.storm(), p.seconds(), p.bytes(), p.toggles()));
            }
            sb.append("\n  ]\n}\n");
            try {
                Files.writeString(json, sb.toString(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("jzram storm: " + e.getMessage());
                return 2;
            }
        }
        return r.ratio() >= 0.8 ? 0 : 1;
    }

    private int hotplugOnly(PrintStream out, long s) {
        MultiInstanceStorm.Config cfg;
        try {
            cfg = new MultiInstanceStorm.Config(cpus, Math.max(1, instances), duration, rate, s, churnThreads, failureRate);
        } catch (IllegalArgumentException e) {
            System.err.println("jzram storm: " + e.getMessage());
            return 2;
        }
        out.printf("jzram storm --hotplug-only: %d CPUs, %d instances, %s, %.0f toggles/s, seed %d%n", cpus, cfg.instances(),
                Durations.format(duration), rate, s);
        MultiInstanceStorm.Report r = new MultiInstanceStorm(cfg).run(quiet ? l -> { } : out::println);
        out.println();
        out.println("summary:");
        out.printf("  elapsed            %s%n", Durations.format(r.elapsed()));
        out.printf("  toggles            %d (up %d, down %d, refused/failed %d %s)%n", r.hotplug().toggles(),
                r.hotplug().ups(), r.hotplug().downs(), r.hotplug().failed(), r.hotplug().failures());
        out.printf("  instances          added %d (failed %d), removed %d%n", r.instanceAdds(), r.instanceAddFailures(),
                r.instanceRemoves());
        out.printf("  callbacks          startups %d, teardowns %d, injected failures %d, armed hotplug/fail %d%n",
                r.startups(), r.teardowns(), r.injectedFailures(), r.armedFails());
        out.printf("  rollbacks          %d%n", r.cpuhpRollbacks());
        out.printf("  invariant checks   %d%n", r.checks());
        out.printf("  live resources     %d after the final removal%n", r.liveResourcesAtEnd());
        KernelLog.Scan splats = r.splats();
        out.printf("  splats             %s%n", splats.clean() ? "none" : splats.counts());
        out.printf("  violations         %d%n", r.violations().size());
        r.violations().stream().limit(20).forEach(v -> out.println("    " + v));
        if (!splats.clean()) {
            out.print(splats.describe());
        }
        out.println(r.ok() ? "verdict: OK" : "verdict: FAILED");
        return r.ok() ? 0 : 1;
    }
}
