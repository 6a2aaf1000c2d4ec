// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Usage errors as util-linux reports them: one line with the error, then
 * {@code Try 'jzram CMD --help' for more information.}, and the command's exit status for invalid
 * input (2 for jzram's own commands; the client commands keep the status of the tool they stand
 * for, e.g. 1 for cat). Picocli calls it for parse errors and for the {@link
 * CommandLine.ParameterException}s commands throw from their own checks ({@link #error}).
 */
public final class UsageErrors implements CommandLine.IParameterExceptionHandler {

    /** The exit-status lines every jzram command's help ends with (the client commands have theirs). */
    public static final String OK = "0:success";
    public static final String USAGE = "2:usage error: bad options or arguments (one line on stderr says which)";

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        PrintWriter err = cl.getErr();
        String message = ex.getMessage() == null ? ex.toString() : ex.getMessage().strip();
        int nl = message.indexOf('\n');
        err.println(name + ": " + (nl < 0 ? message : message.substring(0, nl).strip()));
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** A usage error found by a command's own checks, reported like a parse error. */
    public static CommandLine.ParameterException error(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
