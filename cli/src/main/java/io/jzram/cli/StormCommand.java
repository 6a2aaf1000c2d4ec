// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.hotplug.MultiInstanceStorm;
import io.jzram.kernel.KernelLog;
import io.jzram.storm.StormConfig;
import io.jzram.storm.StormReport;
import io.jzram.storm.ThroughputRun;
import io.jzram.storm.ZramStorm;
import io.jzram.cli.options.MachineOptions;
import io.jzram.cli.options.Sizes;
import io.jzram.cli.options.UsageErrors;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jzram storm}: the zram storm ({@link ZramStorm}): devices under I/O with verification, a
 * CPU hotplug storm, sysfs writers, hot_add/hot_remove and module unload/reload cycles on one
 * emulated machine in a chosen fix set, then a verdict; exit status 0 only when nothing was
 * violated. {@code --throughput} measures device write throughput with and without a hotplug storm
 * ({@link ThroughputRun}); {@code --hotplug-only} is the CPU hotplug multi-instance storm alone
 * ({@link MultiInstanceStorm}).
 */
@Command(name = "storm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Storms an emulated machine with zram loaded: devices under verified I/O, a CPU hotplug storm, "
                + "sysfs writers, hot_add/hot_remove and module unload/reload cycles, then prints a verdict.",
        exitCodeList = {"0:nothing violated (--throughput: the write throughput during the storm is at least 80 %% of "
                + "the throughput without it)",
            "1:a violation: data lost, a kernel splat, a deadlock, a leak (--throughput: below 80 %%); or FILE could not be written",
            UsageErrors.USAGE})
public final class StormCommand implements Callable<Integer> {

    @Mixin
    MachineOptions.LockdepOn machine = new MachineOptions.LockdepOn(ZramFixes.ALL);

    @Option(names = "--devices", paramLabel = "N", description = MachineOptions.DEVICES + ", each under I/O "
            + "(--throughput: one writer each) (default: ${DEFAULT-VALUE})")
    int devices = 3;

    @Option(names = "--disksize", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = MachineOptions.DISKSIZE + "; a multiple of 4K in 64K..256M (default: 4M)")
    long disksize = 4L << 20;

    @Option(names = "--duration", paramLabel = "D", description = "how long to storm, e.g. 30s, 2m (default: ${DEFAULT-VALUE})",
            defaultValue = "30s")
    Duration duration;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON to FILE (docs/json.md)")
    Path json;

    @Option(names = "--rate", paramLabel = "R", description = "CPU up/down toggles per second, 0 for none (default: ${DEFAULT-VALUE})",
            defaultValue = "100")
    double rate;

    @Option(names = "--instances", paramLabel = "N", description = "instances of a multi-instance CPU hotplug state (as "
            + "a driver with one per device registers) added, removed and checked on the same CPUs alongside, 0 for none "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "2")
    int instances;

    @Option(names = "--churn-threads", paramLabel = "N", description = "threads adding/removing those instances (default: "
            + "${DEFAULT-VALUE})", defaultValue = "1")
    int churnThreads;

    @Option(names = "--failure-rate", paramLabel = "P", description = "probability that an instance's startup callback "
            + "fails (default: ${DEFAULT-VALUE})", defaultValue = "0.01")
    double failureRate;

    @Option(names = "--hung-task-timeout", paramLabel = "D", description = "hung_task_timeout_secs of the emulated kernel: "
            + "a task blocked this long counts as deadlocked and is interrupted (default: ${DEFAULT-VALUE})", defaultValue = "2s")
    Duration hungTaskTimeout;

    @Option(names = "--readers", paramLabel = "N", description = "verifying readers per device (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int readers;

    @Option(names = "--sysfs-writers", paramLabel = "N", description = "threads writing zram's sysfs attributes (default: "
            + "${DEFAULT-VALUE})", defaultValue = "2")
    int sysfsWriters;

    @Option(names = "--unload-interval", paramLabel = "D", description = "about how often a module unload/reload cycle "
            + "starts (default: ${DEFAULT-VALUE})", defaultValue = "1s")
    Duration unloadInterval;

    @Option(names = "--no-unload", description = "no module unload/reload cycles")
    boolean noUnload;

    @Option(names = "--no-hot-add", description = "no hot_add/hot_remove")
    boolean noHotAdd;

    @Option(names = {"-q", "--quiet"}, description = "no progress lines and no kernel log excerpt: the verdict only")
    boolean quiet;

    @Option(names = "--dmesg", paramLabel = "FILE", description = "write the emulated kernel's whole log to FILE")
    Path dmesg;

    @Option(names = "--throughput", description = "measure device write throughput with and without a hotplug storm at "
            + "--rate instead (alternating 1 s phases for --duration, the full kconfig, lockdep on); exit 1 below 80 %%")
    boolean throughput;

    @Option(names = "--hotplug-only", description = "the CPU hotplug storm with the multi-instance state alone, without "
            + "zram (the --instances part on its own)")
    boolean hotplugOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        long s = machine.seed() != null ? machine.seed() : System.nanoTime();
        if (throughput || hotplugOnly) {
            CommandLine.ParseResult pr = spec.commandLine().getParseResult();
            for (String o : new String[] {"--kconfig", "--no-lockdep"}) {
                if (pr.hasMatchedOption(o)) {
                    throw UsageErrors.error(spec, (o.equals("--kconfig") ? o : "--[no-]lockdep") + " does not apply to "
                            + (throughput ? "--throughput" : "--hotplug-only"));
                }
            }
        }
        int cpus = machine.cpus();
        ZramFixes fixes = machine.fixes();
        if (hotplugOnly) {
            return hotplugOnly(out, s, cpus);
        }
        if (throughput) {
            return throughput(out, s, cpus, fixes);
        }
        StormConfig cfg;
        try {
            cfg = StormConfig.builder().cpus(cpus).devices(devices).duration(duration).fixes(fixes).seed(s).hotplugRate(rate)
                    .instances(instances).churnThreads(churnThreads).instanceFailureRate(failureRate)
                    .hungTaskTimeout(hungTaskTimeout).readersPerDevice(readers).sysfsWriters(sysfsWriters)
                    .unloadInterval(unloadInterval).diskSize(disksize).hotAdd(!noHotAdd).unload(!noUnload)
                    .lockdep(machine.lockdep()).kconfig(machine.kconfig()).build();
        } catch (IllegalArgumentException e) {
            throw UsageErrors.error(spec, e.getMessage());
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
            return 1;
        }
        return r.ok() ? 0 : 1;
    }

    private int throughput(PrintStream out, long s, int cpus, ZramFixes fixes) {
        out.printf("jzram storm --throughput: fixes=%s, %d CPUs, %d writers, %s of alternating 1 s phases, storm phases at %.0f toggles/s, seed %d%n",
                fixes.paramValue(), cpus, devices, Durations.format(duration), rate, s);
        ThroughputRun.Result r;
        try {
            r = ThroughputRun.run(cpus, devices, fixes, rate, duration, Duration.ofSeconds(1), s, quiet ? l -> { } : out::println);
        } catch (IllegalArgumentException e) {
            throw UsageErrors.error(spec, e.getMessage());
        }
        out.println(r.describe());
        if (json != null) {
            try {
                Files.writeString(json, r.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("jzram storm: " + e.getMessage());
                return 1;
            }
        }
        return r.ratio() >= 0.8 ? 0 : 1;
    }

    private int hotplugOnly(PrintStream out, long s, int cpus) {
        MultiInstanceStorm.Config cfg;
        try {
            cfg = new MultiInstanceStorm.Config(cpus, Math.max(1, instances), duration, rate, s, churnThreads, failureRate);
        } catch (IllegalArgumentException e) {
            throw UsageErrors.error(spec, e.getMessage());
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
