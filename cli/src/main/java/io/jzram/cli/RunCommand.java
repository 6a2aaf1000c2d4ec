// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.options.MachineOptions;
import io.jzram.run.JzramRun;
import io.jzram.run.RunOptions;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            "Then the machine is unloaded and judged as the storm judges it (splats, deadlocks, leaks)."},
        exitCodeList = {"N:CMD's exit status, when the machine's verdict is clean",
            "1:CMD succeeded but the verdict failed (a splat, a deadlock or a leak)",
            "2:usage error, or the run cannot start here (it needs root, /dev/fuse, loop devices and unshare)"})
public final class RunCommand implements Callable<Integer> {

    @Mixin
    MachineOptions.LockdepOn machine = new MachineOptions.LockdepOn(ZramFixes.UPSTREAM);

    @Option(names = "--devices", paramLabel = "N", description = MachineOptions.DEVICES + " at boot (default: ${DEFAULT-VALUE})")
    int devices = 1;

    @Option(names = "--no-zram", description = "do not load zram at boot (modprobe zram in CMD loads it)")
    boolean noZram;

    @Option(names = "--hung-task-timeout", paramLabel = "D", description = "a task blocked this long in the emulated kernel is "
            + "a deadlock: reported and broken by interrupting it (default: ${DEFAULT-VALUE})", defaultValue = "5s")
    Duration hungTaskTimeout;

    @Option(names = "--verdict-only", description = "print only the verdict (no kernel log excerpt)")
    boolean verdictOnly;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the program and its arguments (after --)")
    List<String> command;

    @Override
    public Integer call() throws IOException, InterruptedException {
        RunOptions o = new RunOptions(machine.cpus(), devices, !noZram, machine.fixes().paramValue(), machine.kconfigName(),
                machine.lockdep(), machine.seed() != null ? machine.seed() : System.nanoTime(), hungTaskTimeout, verdictOnly, command);
        return new JzramRun(o, System.err).run();
    }
}
