// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.sysfs.Machine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A script run through the shell: its status and what it printed (stdout, stderr, and both interleaved). */
record ShellRun(int status, String out, String err, String both) {

    static ShellRun of(Machine m, String script) {
        return of(m, "bash", script);
    }

    /** The script run as bash runs a script file {@code name} (its errors say "NAME: line N:"). */
    static ShellRun of(Machine m, String name, String script) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        java.io.OutputStream o = tee(out, both);
        java.io.OutputStream e = tee(err, both);
        Shell sh = Shell.builder(m).name(name).out(o).err(e).seed(1).build();
        int status;
        try {
            status = sh.run(new StringReader(script));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return new ShellRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                both.toString(StandardCharsets.UTF_8));
    }

    private static java.io.OutputStream tee(ByteArrayOutputStream one, ByteArrayOutputStream both) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (both) {
                    one.write(b);
                    both.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (both) {
                    one.write(b, off, len);
                    both.write(b, off, len);
                }
            }
        };
    }
}
