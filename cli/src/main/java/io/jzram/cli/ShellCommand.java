// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import io.jzram.cli.options.MachineOptions;
import io.jzram.cli.options.UsageErrors;
import io.jzram.core.backend.ZcompBackends;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jzram sh}: runs a shell script (or stdin) on an in-process emulated machine whose /sys and
 * /dev are the emulator's; see {@link Shell}. The machine boots with the zram module loaded (one
 * device, like the real machines where zram is built in) unless {@code --no-zram}.
 */
@Command(name = "sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs shell commands (a script, or stdin) on an emulated machine: /sys and /dev are the emulator's, "
            + "other paths the host's. Errors and outputs read like bash on the real kernel, so a script can be run "
            + "on both and diffed.", "Examples: jzram sh --list-examples; jzram sh --example transcript."},
        exitCodeList = {"0:success: the script's last command succeeded",
            "N:the script's exit status, as bash gives it (exit N, or its last command's status)",
            "2:usage error: bad options or arguments (or the script's own exit 2)", "127:SCRIPT does not exist"})
public final class ShellCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "SCRIPT", description = "the script to run (default: stdin)")
    Path script;

    @Mixin
    MachineOptions.LockdepOn machine = new MachineOptions.LockdepOn(ZramFixes.UPSTREAM);

    @Option(names = "--algorithm", paramLabel = "A", description = MachineOptions.ALGORITHM + ", the driver's default "
            + "(CONFIG_ZRAM_DEF_COMP) (default: lzo-rle, as the kernel)")
    String algorithm;

    @Option(names = "--no-zram", description = "do not load zram at boot (modprobe zram loads it)")
    boolean noZram;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
        int cpus = machine.cpus();
        if (cpus < 1 || cpus > 1024) {
            throw UsageErrors.error(spec, "--cpus " + cpus + ": expected 1..1024");
        }
        ZramKconfig k = machine.kconfig();
        if (algorithm != null) {
            List<String> known = ZcompBackends.builtin().names().stream().filter(k::hasBackend).toList();
            if (!known.contains(algorithm)) {
                throw UsageErrors.error(spec, "--algorithm '" + (algorithm.length() > 40 ? algorithm.substring(0, 40) + "..." : algorithm) + "': not an algorithm of the emulated kernel ("
                        + String.join(" ", known) + ")");
            }
            k = k.withDefaultCompressor(algorithm);
        }
        Reader in;
        String name = "bash";
        InputStream commandsStdin = null;
        if (example != null) {
            InputStream r = ShellCommand.class.getResourceAsStream("/examples/" + example + ".sh");
            if (r == null) {
                throw UsageErrors.error(spec, "no example '" + example + "' (see --list-examples)");
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
        try (Machine m = Machine.builder().cpus(cpus).lockdep(machine.lockdep()).zramFixes(machine.fixes())
                .zramKconfig(k).build()) {
            if (!noZram) {
                try {
                    m.modprobe("zram");
                } catch (io.jzram.kernel.ErrnoException e) {
                    if (algorithm != null) {
                        throw UsageErrors.error(spec, "--algorithm " + algorithm + ": not an algorithm of the emulated kernel");
                    }
                    throw e;
                }
            }
            Shell.Builder b = Shell.builder(m).name(name).in(commandsStdin);
            if (machine.seed() != null) {
                b.seed(machine.seed());
            }
            try (Reader r = in) {
                return b.build().run(r);
            }
        }
    }
}
