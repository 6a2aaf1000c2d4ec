// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.Machine;
import io.jzram.shell.Shell;
import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jzram sh}: runs a shell script (or stdin) on an in-process emulated machine whose /sys and
 * /dev are the emulator's; see {@link Shell}. The machine boots with the zram module loaded (one
 * device, like the real machines where zram is built in) unless {@code --no-zram}.
 */
@Command(name = "sh", mixinStandardHelpOptions = true,
        description = {"Runs shell commands (a script, or stdin) on an emulated machine: /sys and /dev are the emulator's,",
            "other paths the host's. Errors and outputs read like bash on the real kernel, so a script can be run",
            "on both and diffed. Examples: jzram sh --list-examples; jzram sh --example transcript."})
public final class ShellCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "SCRIPT", description = "the script to run (default: stdin)")
    Path script;

    @Option(names = "--cpus", description = "virtual CPUs (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int cpus;

    @Option(names = "--fixes", description = "zram fix set of the machine: none, seed, upstream, all, patch11 (default: ${DEFAULT-VALUE})",
            defaultValue = "upstream")
    String fixes;

    @Option(names = "--kconfig", description = "zram build options: full (writeback, multi-comp, access times) or real "
            + "(as the project's 6.18 kernel) (default: ${DEFAULT-VALUE})", defaultValue = "full")
    String kconfig;

    @Option(names = "--no-zram", description = "do not load zram at boot (modprobe zram loads it)")
    boolean noZram;

    @Option(names = "--seed", description = "seed of /dev/urandom (default: random)")
    Long seed;

    @Option(names = "--no-lockdep", description = "run without lockdep (faster)")
    boolean noLockdep;

    @Option(names = "--example", paramLabel = "NAME", description = "run a bundled example script instead of SCRIPT")
    String example;

    @Option(names = "--list-examples", description = "list the bundled example scripts and exit")
    boolean listExamples;

    static final String[] EXAMPLES = {"transcript", "hot-add-remove", "reset-while-open", "module-reload", "seed-lockdep"};

    @Override
    public Integer call() throws IOException {
        if (listExamples) {
            for (String e : EXAMPLES) {
                System.out.println(e);
            }
            return 0;
        }
        ZramFixes f;
        try {
            f = ZramFixes.parse(fixes);
        } catch (ErrnoException e) {
            System.err.println("jzram sh: --fixes " + fixes + ": expected none, seed, upstream, all or patch11");
            return 2;
        }
        ZramKconfig k = switch (kconfig) {
            case "full" -> ZramKconfig.full();
            case "real" -> ZramKconfig.realKernel();
            default -> null;
        };
        if (k == null) {
            System.err.println("jzram sh: --kconfig " + kconfig + ": expected full or real");
            return 2;
        }
        if (cpus < 1 || cpus > 1024) {
            System.err.println("jzram sh: --cpus " + cpus + ": expected 1..1024");
            return 2;
        }
        Reader in;
        String name = "bash";
        InputStream commandsStdin = null;
        if (example != null) {
            InputStream r = ShellCommand.class.getResourceAsStream("/examples/" + example + ".sh");
            if (r == null) {
                System.err.println("jzram sh: no example '" + example + "' (see --list-examples)");
                return 2;
            }
            in = new InputStreamReader(r, StandardCharsets.UTF_8);
        } else if (script != null) {
            try {
                in = Files.newBufferedReader(script, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                System.err.println("bash: " + script + ": No such file or directory");
                return 127;
            }
            name = script.toString();
            commandsStdin = System.in;
        } else {
            in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
        }
        try (Machine m = Machine.builder().cpus(cpus).lockdep(!noLockdep).zramFixes(f).zramKconfig(k).build()) {
            if (!noZram) {
                m.modprobe("zram");
            }
            Shell.Builder b = Shell.builder(m).name(name).in(commandsStdin);
            if (seed != null) {
                b.seed(seed);
            }
            try (Reader r = in) {
                return b.build().run(r);
            }
        }
    }
}
