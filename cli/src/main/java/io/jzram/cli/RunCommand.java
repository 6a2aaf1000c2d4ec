// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.run.JzramRun;
import io.jzram.run.RunOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jzram run [OPTIONS] -- CMD [ARGS...]}: boots an emulated machine and runs CMD, a real
 * program, in a private mount namespace whose /sys, /dev/zramN, modprobe, rmmod, lsmod and dmesg
 * are the machine's; see {@link JzramRun}. Thin: the options, then the run module.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a real program against an emulated machine: in a private mount namespace whose /sys is the "
                + "emulator's (FUSE), whose /dev/zramN are loop devices over the emulated disks, and whose modprobe, rmmod, "
                + "lsmod and dmesg act on the emulated kernel. The host's /sys, /dev and zram devices are not touched.",
            "Then the machine is unloaded and judged as the storm judges it (splats, deadlocks, leaks).",
            "Exit status: CMD's; 1 when CMD succeeded but the verdict failed; 2 when the run cannot start (needs root, "
                    + "/dev/fuse, loop devices and unshare)."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--cpus", paramLabel = "N", description = "virtual CPUs (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int cpus;

    @Option(names = "--devices", paramLabel = "N", description = "modprobe zram num_devices=N at boot (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int devices;

    @Option(names = "--no-zram", description = "do not load zram at boot (modprobe zram in CMD loads it)")
    boolean noZram;

    @Option(names = "--fixes", paramLabel = "SET", description = "the zram fix set: none, seed, upstream, all, patch11 "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "upstream")
    String fixes;

    @Option(names = "--kconfig", paramLabel = "K", description = "zram's build options: full or real (default: ${DEFAULT-VALUE})",
            defaultValue = "full")
    String kconfig;

    @Option(names = "--lockdep", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "lockdep (CONFIG_PROVE_LOCKING) on or off (default: on)")
    boolean lockdep;

    @Option(names = "--seed", paramLabel = "N", description = "the machine's random seed (default: random)")
    Long seed;

    @Option(names = "--hung-task-timeout", paramLabel = "D", description = "a task blocked this long in the emulated kernel is "
            + "a deadlock: reported and broken by interrupting it (default: ${DEFAULT-VALUE})", defaultValue = "5s")
    Duration hungTaskTimeout;

    @Option(names = "--verdict-only", description = "print only the verdict (no kernel log excerpt)")
    boolean verdictOnly;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the program and its arguments (after --)")
    List<String> command;

    @Override
    public Integer call() throws IOException, InterruptedException {
        RunOptions o = new RunOptions(cpus, devices, !noZram, fixes, kconfig, lockdep, seed != null ? seed : System.nanoTime(),
                hungTaskTimeout, verdictOnly, command);
        return new JzramRun(o, System.err).run();
    }
}
