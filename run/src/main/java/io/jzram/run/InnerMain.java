// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import java.nio.file.Path;
import java.util.List;

/**
 * The inner process's entry point: {@code InnerMain SCRATCH LEDGER OPTIONS... -- CMD...}, started
 * by {@link JzramRun} under {@code unshare --mount --propagation private}. See {@link Inside}.
 */
public final class InnerMain {
    private InnerMain() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("jzram run: the inner process is started by jzram run, not by hand");
            System.exit(2);
        }
        List<String> a = List.of(args);
        RunOptions o = RunOptions.parse(a.subList(2, a.size()));
        int status = new Inside(o, Path.of(args[0]), new Ledger(Path.of(args[1])), System.err).run();
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status); // nothing left to run: no shutdown hooks, no waiting for daemon threads
    }
}
