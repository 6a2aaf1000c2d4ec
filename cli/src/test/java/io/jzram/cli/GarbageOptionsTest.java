// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every option of every jzram command (enumerated from picocli's model, so a new command or option
 * is covered the day it lands) fed garbage: empty, words, negative, overflowing, not-a-number,
 * infinite, NUL, a 100 000-character value, non-ASCII. Each run must end within its time with a
 * status the command documents (0 when the value is one it accepts, the usage status, or 1 for an
 * error of the emulated kernel or the host), and when it refuses, say so in one line (plus picocli's
 * "Try ... --help") naming the command, with no stack trace. Values a command accepts are listed in
 * {@link #ACCEPTED}; any other acceptance fails.
 *
 * <p>The commands that would run for long if a value were accepted get arguments that keep them
 * short (a storm of 1 ms, a benchmark of one pass over 64 KiB, serve with {@code --run true} on a
 * socket of its own, run with CMD {@code true}, sh with an empty script, client commands aimed at a closed port).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GarbageOptionsTest {
    private static final String LONG = "9".repeat(100_000);
    private static final List<String> GARBAGE = List.of("", "garbage", "-1", "99999999999999999999999", "1e309", "NaN",
            "Infinity", "0x10", "\0", "12\0" + "34", LONG, "\u00e9\u2603\ud83e\udd80");
    /** Path-like values: never a plain word (it would create a file in the working directory). */
    private static final List<String> PATH_GARBAGE = List.of("", "\0", "/nonexistent/dir/x", "/" + "x".repeat(5000));
    /** Free-form options: what they take is a command line or text by design. */
    private static final Set<String> FREE_FORM = Set.of("serve --run");

    /** (command option, value) pairs the command rightly accepts: a seed is any 64-bit number. */
    private static final Map<String, Set<String>> ACCEPTED = Map.of(
            "storm --seed", Set.of("-1"), "bench --seed", Set.of("-1"), "sh --seed", Set.of("-1"), "serve --seed", Set.of("-1"),
            "run --seed", Set.of("-1"));

    private Path tmp;
    private int runs;

    @BeforeAll
    void tmp() throws IOException {
        tmp = Files.createTempDirectory("jzram-garbage");
        Files.writeString(tmp.resolve("empty.sh"), "");
    }

    @AfterAll
    void report() throws IOException {
        System.out.printf("garbage options: %d runs%n", runs);
        try (Stream<Path> s = Files.walk(tmp)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        collect(Jzram.commandLine(), out);
        return out.stream();
    }

    private static void collect(CommandLine cl, List<Arguments> out) {
        CommandSpec spec = cl.getCommandSpec();
        String path = spec.qualifiedName(" ").replaceFirst("^jzram ?", "");
        for (OptionSpec o : spec.options()) {
            if (o.arity().max() == 0 || o.usageHelp() || o.versionHelp() || FREE_FORM.contains(path + " " + o.longestName())) {
                continue;
            }
            boolean pathLike = o.paramLabel().matches("(?i).*(FILE|PATH|DIR|SCRIPT).*");
            for (String v : pathLike ? PATH_GARBAGE : GARBAGE) {
                out.add(Arguments.of(path, o.longestName(), v));
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().name().equals(sub.getCommandName()) && !sub.getCommandSpec().name().equals("help")) {
                collect(sub, out);
            }
        }
    }

    /** What keeps a run short (and local) should the value be accepted; nothing for the option being fuzzed. */
    private List<String> safety(CommandSpec spec, String option) {
        List<String> a = new ArrayList<>();
        switch (spec.name()) {
            case "storm" -> add(a, option, "--duration", "1ms");
            case "bench" -> {
                add(a, option, "--size", "64K");
                add(a, option, "--repeat", "1");
                add(a, option, "--warmup", "0");
            }
            case "serve" -> {
                add(a, option, "--socket", tmp.resolve("s.sock").toString());
                add(a, option, "--run", "true");
            }
            case "sh" -> {
                // the script positional comes last, below
            }
            default -> {
                if (spec.findOption("--http-port") != null) {
                    add(a, option, "--http-port", "1"); // nothing listens there: the client fails at once
                }
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (spec.name().equals("sh")) {
                a.add(tmp.resolve("empty.sh").toString());
            } else if (spec.name().equals("run")) {
                a.add("true"); // CMD: a run that boots, runs true and judges the machine
            } else if (p.arity().min() > 0) {
                for (int i = 0; i < p.arity().min(); i++) {
                    a.add(p.paramLabel().contains("online") ? "online" : p.paramLabel().equals("CPUS") ? "1" : "/sys/x");
                }
            }
        }
        return a;
    }

    private static void add(List<String> a, String fuzzed, String option, String value) {
        if (!option.equals(fuzzed)) {
            a.add(option);
            a.add(value);
        }
    }

    private static CommandSpec specOf(String path) {
        CommandLine cl = Jzram.commandLine();
        for (String part : path.isEmpty() ? new String[0] : path.split(" ")) {
            cl = cl.getSubcommands().get(part);
        }
        return cl.getCommandSpec();
    }

    @ParameterizedTest(name = "jzram {0} {1} <{index}>")
    @MethodSource("cases")
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void garbageIsRefusedInOneLine(String command, String option, String value) {
        CommandSpec spec = specOf(command);
        List<String> args = new ArrayList<>();
        if (!command.isEmpty()) {
            args.addAll(List.of(command.split(" ")));
        }
        args.add(option + "=" + value);
        args.addAll(safety(spec, option));
        JzramRun r = jzram(args.toArray(new String[0]));
        runs++;
        String shown = value.length() > 20 ? value.substring(0, 20) + "...(" + value.length() + ")" : value;
        String what = "jzram " + command + " " + option + "=" + shown.replace("\0", "\\0") + "\nerr: " + cut(r.err());
        int usage = spec.exitCodeOnInvalidInput();
        assertThat(r.status()).as(what).isIn(0, 1, 2, usage);
        assertThat(r.err()).as(what).doesNotContain("Exception", "\tat ");
        if (r.status() == 0) {
            assertThat(ACCEPTED.getOrDefault(command + " " + option, Set.of())).as("accepted garbage: " + what).contains(value);
            return;
        }
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(what).isNotEmpty();
        assertThat(lines.size()).as(what).isLessThanOrEqualTo(2);
        assertThat(lines.get(0)).as(what).startsWith("jzram" + (command.isEmpty() ? "" : " " + command) + ": ");
        if (lines.size() == 2) {
            assertThat(lines.get(1)).as(what).startsWith("Try 'jzram");
        }
    }

    private static String cut(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }
}
