// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.cli.options.MachineOptions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * What every jzram command has in common: usage errors as one line plus "Try 'jzram CMD --help'"
 * (exit 2 for jzram's own commands, the tool's status for the client commands), an "Exit status:"
 * section in every help, --version from the build, one spelling of the machine options, help texts
 * a stranger can read.
 */
class CliConventionsTest {

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("nosuch"), "jzram", 2, "Unmatched argument at index 0: 'nosuch'"),
                Arguments.of(List.of("--bogus"), "jzram", 2, "Unknown option: '--bogus'"),
                Arguments.of(List.of("storm", "--fixes", "bogus"), "jzram storm", 2,
                        "Invalid value for option '--fixes': 'bogus' is not a fix set (expected one of none, seed, upstream, all, patch11)"),
                Arguments.of(List.of("storm", "--disksize", "1X"), "jzram storm", 2, "Invalid value for option '--disksize': "
                        + "'1X' is not a size (digits with an optional K, M, G, T, P or E suffix, e.g. 4096, 512M, 1G)"),
                Arguments.of(List.of("storm", "--disksize", "1K"), "jzram storm", 2,
                        "disk size must be a multiple of 4 KiB in 64 KiB..256 MiB, got 1024"),
                Arguments.of(List.of("storm", "--cpus", "1", "--duration", "1s"), "jzram storm", 2, "--cpus must be in 2..256, got 1"),
                Arguments.of(List.of("storm", "--throughput", "--kconfig", "real"), "jzram storm", 2,
                        "--kconfig does not apply to --throughput"),
                Arguments.of(List.of("storm", "--hotplug-only", "--no-lockdep"), "jzram storm", 2,
                        "--[no-]lockdep does not apply to --hotplug-only"),
                Arguments.of(List.of("storm", "--duration", "soon"), "jzram storm", 2,
                        "Invalid value for option '--duration': 'soon' is not a duration (examples: 30s, 500ms, 2m)"),
                Arguments.of(List.of("serve", "--disksize=1X"), "jzram serve", 2, "Invalid value for option '--disksize': "
                        + "'1X' is not a size (digits with an optional K, M, G, T, P or E suffix, e.g. 4096, 512M, 1G)"),
                Arguments.of(List.of("serve", "--disksize", "-1"), "jzram serve", 2, "Invalid value for option '--disksize': "
                        + "'-1' is not a size (digits with an optional K, M, G, T, P or E suffix, e.g. 4096, 512M, 1G)"),
                Arguments.of(List.of("serve", "--disksize", "16E"), "jzram serve", 2,
                        "Invalid value for option '--disksize': '16E' is too big (at most 8E - 1 bytes)"),
                Arguments.of(List.of("serve", "--kconfig", "tiny"), "jzram serve", 2,
                        "Invalid value for option '--kconfig': 'tiny' is not a kconfig (expected one of full, real)"),
                Arguments.of(List.of("serve", "--socket", "/nonexistent/s", "--bind", "127.0.0.1"), "jzram serve", 2,
                        "--bind is the TCP listener's address: it needs --port"),
                Arguments.of(List.of("serve", "--cpus", "0"), "jzram serve", 2, "--cpus must be at least 1: 0"),
                Arguments.of(List.of("sh", "--kconfig", "bogus"), "jzram sh", 2,
                        "Invalid value for option '--kconfig': 'bogus' is not a kconfig (expected one of full, real)"),
                Arguments.of(List.of("sh", "--cpus", "0"), "jzram sh", 2, "--cpus 0: expected 1..1024"),
                Arguments.of(List.of("sh", "--example", "missing"), "jzram sh", 2, "no example 'missing' (see --list-examples)"),
                Arguments.of(List.of("sh", "a.sh", "b.sh"), "jzram sh", 2, "Unmatched argument at index 2: 'b.sh'"),
                Arguments.of(List.of("bench", "--block-size", "1000"), "jzram bench", 2, "--block-size must be a multiple of 4096: 1000"),
                Arguments.of(List.of("bench", "--block-size", "4q"), "jzram bench", 2, "Invalid value for option '--block-size': "
                        + "invalid number '4q' (dd's sizes: digits with an optional c, w, b, kB, K, MB, M, GB, G, ... or KiB, MiB, ... "
                        + "suffix, or a product such as 2x512)"),
                Arguments.of(List.of("bench", "--input", "x", "--size", "1M"), "jzram bench", 2,
                        "--size is for generated pages: it does not go with --input"),
                Arguments.of(List.of("bench", "--threads", "0"), "jzram bench", 2, "--threads must be at least 1"),
                Arguments.of(List.of("bench", "--size", "1M", "--algorithm", "842", "--repeat", "1", "--warmup", "0"), "jzram bench",
                        2, null),
                Arguments.of(List.of("cat"), "jzram cat", 1, "Missing required parameter: 'PATH'"),
                Arguments.of(List.of("ls", "-z", "/sys"), "jzram ls", 2, "Unknown option: '-z'"),
                Arguments.of(List.of("status", "--bogus"), "jzram status", 1, "Unknown option: '--bogus'"));
    }

    @ParameterizedTest
    @MethodSource
    void usageErrors(List<String> args, String command, int status, String message) {
        JzramRun r = jzram(args.toArray(new String[0]));
        assertThat(r.status()).as(r.err()).isEqualTo(status);
        assertThat(r.out()).isEmpty();
        String[] lines = r.err().split("\n", -1);
        assertThat(lines).as(r.err()).hasSize(3);
        assertThat(lines[0]).startsWith(command + ": ");
        if (message != null) {
            assertThat(lines[0]).isEqualTo(command + ": " + message);
        }
        assertThat(lines[1]).isEqualTo("Try '" + command + " --help' for more information.");
        assertThat(lines[2]).isEmpty();
    }

    @Test
    void versionComesFromTheBuild() {
        String expected = System.getProperty("jzram.expected.version");
        assertThat(expected).as("surefire passes ${project.version}").isNotBlank().doesNotContain("${");
        for (String[] args : new String[][] {{"--version"}, {"-V"}, {"storm", "--version"}, {"serve", "-V"}, {"cat", "--version"}}) {
            JzramRun r = jzram(args);
            assertThat(r.status()).isZero();
            assertThat(r.out()).as(String.join(" ", args)).isEqualTo("jzram " + expected + "\n");
        }
    }

    private static List<CommandLine> allCommands() {
        CommandLine root = Jzram.commandLine();
        List<CommandLine> all = new java.util.ArrayList<>();
        all.add(root);
        all.addAll(root.getSubcommands().values());
        return all;
    }

    @Test
    void everyHelpHasAnExitStatusSectionAndNoInsiderTerms() {
        for (CommandLine cl : allCommands()) {
            String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            String name = cl.getCommandSpec().qualifiedName();
            assertThat(help).as(name).contains("\nExit status:\n");
            assertThat(cl.getCommandSpec().usageMessage().exitCodeList()).as(name).isNotEmpty();
            assertThat(help).as(name).doesNotContainPattern("(?i)issue \\d").doesNotContain("finding (");
            if (help.contains("patch11")) {
                assertThat(help).as(name + " explains patch11").contains("patch11: only the series' zram patch");
            }
            JzramRun r = jzram(Stream.concat(Stream.of(name.split(" ")).skip(1), Stream.of("--help")).toArray(String[]::new));
            assertThat(r.status()).as(name).isZero();
            assertThat(r.out()).as(name).isEqualTo(help);
        }
    }

    @Test
    void theMachineOptionsAreSpelledOnceForStormShAndServe() {
        CommandLine root = Jzram.commandLine();
        Map<String, List<String>> expected = Map.of(
                "storm", List.of("--cpus", "--fixes", "--kconfig", "--seed", "--no-lockdep", "--devices", "--disksize"),
                "sh", List.of("--cpus", "--fixes", "--kconfig", "--seed", "--no-lockdep", "--algorithm"),
                "serve", List.of("--cpus", "--fixes", "--kconfig", "--seed", "--lockdep", "--devices", "--disksize", "--algorithm"));
        expected.forEach((cmd, options) -> {
            CommandLine.Model.CommandSpec spec = root.getSubcommands().get(cmd).getCommandSpec();
            for (String o : options) {
                assertThat(spec.findOption(o)).as(cmd + " " + o).isNotNull();
            }
            assertThat(spec.findOption("--disk-size")).isNull();
            assertThat(spec.findOption("--fixes").completionCandidates()).containsExactly("none", "seed", "upstream", "all", "patch11");
            CommandLine.Model.OptionSpec lockdep = spec.findOption(cmd.equals("serve") ? "--lockdep" : "--no-lockdep");
            assertThat(lockdep.negatable()).isTrue();
            assertThat(root.getSubcommands().get(cmd).getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " "))
                    .contains("--[no-]lockdep lockdep (the kernel's CONFIG_PROVE_LOCKING)")
                    .contains(cmd.equals("serve") ? "slower (default: off)" : "slower (default: on)");
        });
        for (String cmd : List.of("storm", "sh", "serve")) {
            CommandLine cl = Jzram.commandLine();
            cl.parseArgs(cmd, "--fixes", "patch11");
            cl.parseArgs(cmd, "--fixes", "UPSTREAM");
        }
        assertThat(lockdep("sh")).isTrue();
        assertThat(lockdep("sh", "--no-lockdep")).isFalse();
        assertThat(lockdep("storm")).isTrue();
        assertThat(lockdep("serve")).isFalse();
        assertThat(lockdep("serve", "--lockdep")).isTrue();
        assertThat(lockdep("serve", "--no-lockdep")).isFalse();
    }

    private static boolean lockdep(String... args) {
        CommandLine cl = Jzram.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs(args);
        Object machine = pr.subcommand().commandSpec().mixins().get("machine").userObject();
        return ((MachineOptions) machine).lockdep();
    }
}
