// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.client.ClientCommands;
import io.jzram.cli.client.StatusCommand;
import io.jzram.cli.options.UsageErrors;
import io.jzram.cli.options.Version;
import io.jzram.cli.serve.ServeCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jzram} executable: one subcommand per job. {@link #commandLine()} is the one place the
 * command tree is put together (the launcher, the tests and the completion and man page generator
 * all use it): jzram's converters, util-linux style usage errors ({@link UsageErrors}) and the
 * "Exit status:" heading of every command's help.
 */
@Command(name = "jzram", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A Java emulator of the Linux zram block device and the kernel machinery around it.",
        exitCodeList = {UsageErrors.OK, UsageErrors.USAGE},
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

    /** The command line with jzram's converters, error handler and help headings. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Jzram());
        cl.registerConverter(java.time.Duration.class, text -> {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        cl.registerConverter(java.nio.file.Path.class, text -> {
            try {
                return java.nio.file.Path.of(text);
            } catch (java.nio.file.InvalidPathException e) {
                throw new CommandLine.TypeConversionException("'" + text.replace("\0", "\\0") + "' is not a path: " + e.getReason());
            }
        });
        cl.setParameterExceptionHandler(new UsageErrors());
        CommandLine help = cl.getSubcommands().get("help");
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("0", "success");
        codes.put("2", "usage error: no such command");
        help.getCommandSpec().usageMessage().exitCodeList(codes);
        heading(cl);
        cl.getSubcommands().get("run").setStopAtPositional(true); // jzram run bash -c ...: CMD's options are CMD's
        return cl;
    }

    /** Every command: the "Exit status:" heading, and the build's version for --version. */
    private static void heading(CommandLine cl) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit status:%n");
        cl.getCommandSpec().versionProvider(new Version());
        cl.getSubcommands().values().forEach(Jzram::heading);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
