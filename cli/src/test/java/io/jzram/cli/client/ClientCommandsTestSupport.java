// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import io.jzram.cli.Jzram;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs a jzram client command in-process against a control plane port and captures its output. */
public final class ClientCommandsTestSupport {
    private ClientCommandsTestSupport() {
    }

    public record Run(int rc, String out, String err) {
    }

    public static Run jzram(int port, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add(1, "--http-port=" + port);
        CommandLine cl = Jzram.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(argv.toArray(new String[0]));
        return new Run(rc, out.toString(), err.toString());
    }
}
