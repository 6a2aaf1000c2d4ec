package io.jzram.cli;

import io.jzram.hotplug.MultiInstanceStorm;
import io.jzram.kernel.KernelLog;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jzram storm}: boots an emulated machine and runs the hotplug storm against a
 * multi-instance state (see {@link MultiInstanceStorm}); exit status 0 only without violations.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = "CPU-hotplug multistate storm on an emulated machine; exits non-zero on any violation.")
public final class StormCommand implements Callable<Integer> {

    @Option(names = "--cpus", description = "virtual CPUs (default: ${DEFAULT-VALUE})", defaultValue = "8")
    int cpus;

    @Option(names = "--instances", description = "instances of the multi-instance state (default: ${DEFAULT-VALUE})",
            defaultValue = "4")
    int instances;

    @Option(names = "--duration", description = "how long to storm, e.g. 20s, 2m (default: ${DEFAULT-VALUE})",
            defaultValue = "10s")
    Duration duration;

    @Option(names = "--rate", description = "CPU up/down toggles per second (default: ${DEFAULT-VALUE})", defaultValue = "100")
    double rate;

    @Option(names = "--seed", description = "random seed (default: time based; printed so a run can be replayed)")
    Long seed;

    @Option(names = "--churn-threads", description = "threads adding/removing instances (default: ${DEFAULT-VALUE})",
            defaultValue = "2")
    int churnThreads;

    @Option(names = "--failure-rate", description = "probability that a startup callback fails (default: ${DEFAULT-VALUE})",
            defaultValue = "0.01")
    double failureRate;

    @Override
    public Integer call() {
        long s = seed != null ? seed : System.nanoTime();
        MultiInstanceStorm.Config cfg;
        try {
            cfg = new MultiInstanceStorm.Config(cpus, instances, duration, rate, s, churnThreads, failureRate);
        } catch (IllegalArgumentException e) {
            System.err.println("jzram storm: " + e.getMessage());
            return 2;
        }
        System.out.printf("jzram storm: %d CPUs, %d instances, %s, %.0f toggles/s, seed %d%n", cpus, instances,
                Durations.format(duration), rate, s);
        MultiInstanceStorm.Report r = new MultiInstanceStorm(cfg).run(System.out::println);
        System.out.println();
        System.out.println("summary:");
        System.out.printf("  elapsed            %s%n", Durations.format(r.elapsed()));
        System.out.printf("  toggles            %d (up %d, down %d, refused/failed %d %s)%n", r.hotplug().toggles(),
                r.hotplug().ups(), r.hotplug().downs(), r.hotplug().failed(), r.hotplug().failures());
        System.out.printf("  instances          added %d (failed %d), removed %d%n", r.instanceAdds(), r.instanceAddFailures(),
                r.instanceRemoves());
        System.out.printf("  callbacks          startups %d, teardowns %d, injected failures %d, armed hotplug/fail %d%n",
                r.startups(), r.teardowns(), r.injectedFailures(), r.armedFails());
        System.out.printf("  rollbacks          %d%n", r.cpuhpRollbacks());
        System.out.printf("  invariant checks   %d%n", r.checks());
        System.out.printf("  live resources     %d after the final removal%n", r.liveResourcesAtEnd());
        KernelLog.Scan splats = r.splats();
        System.out.printf("  splats             %s%n", splats.clean() ? "none" : splats.counts());
        System.out.printf("  violations         %d%n", r.violations().size());
        r.violations().stream().limit(20).forEach(v -> System.out.println("    " + v));
        if (!splats.clean()) {
            System.out.print(splats.describe());
        }
        System.out.println(r.ok() ? "verdict: OK" : "verdict: FAILED");
        return r.ok() ? 0 : 1;
    }
}
