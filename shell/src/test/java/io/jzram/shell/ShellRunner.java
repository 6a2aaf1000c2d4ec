// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.sysfs.Machine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** One shell on a machine, run line by line, each line's output captured on its own. */
final class ShellRunner {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ByteArrayOutputStream both = new ByteArrayOutputStream();
    final Shell sh;

    ShellRunner(Machine m) {
        sh = Shell.builder(m).out(tee(out)).err(tee(err)).seed(1).build();
    }

    private OutputStream tee(ByteArrayOutputStream one) {
        return new OutputStream() {
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

    ShellRun run(String line) {
        synchronized (both) {
            out.reset();
            err.reset();
            both.reset();
        }
        int status = sh.runLine(line);
        synchronized (both) {
            return new ShellRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                    both.toString(StandardCharsets.UTF_8));
        }
    }
}
