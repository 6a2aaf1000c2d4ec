// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.client.ClientCommands;
import io.jzram.cli.client.StatusCommand;
import io.jzram.cli.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jzram} executable: one subcommand per job. */
@Command(name = "jzram", mixinStandardHelpOptions = true, version = "jzram 0.1.0",
        description = "A Java emulator of the Linux zram block device and the kernel machinery around it.",
        subcommands = {StormCommand.class, BenchCommand.class, ShellCommand.class, ServeCommand.class, RunCommand.class, StatusCommand.class,
            ClientCommands.Cat.class, ClientCommands.Write.class, ClientCommands.Ls.class, ClientCommands.Dmesg.class,
            ClientCommands.Modprobe.class, ClientCommands.Rmmod.class, ClientCommands.Lsmod.class, ClientCommands.Cpu.class,
            CommandLine.HelpCommand.class})
public final class Jzram implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The command line with jzram's converters registered. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Jzram());
        cl.registerConverter(java.time.Duration.class, Durations::parse);
        cl.getSubcommands().get("run").setStopAtPositional(true); // jzram run bash -c ...: CMD's options are CMD's
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
