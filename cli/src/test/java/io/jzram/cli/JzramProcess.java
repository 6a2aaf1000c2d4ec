// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code jzram} as a separate process (the test JVM's java, class path and module flags), for
 * what an in-process run cannot show: exit statuses through System.exit, signals, children that
 * inherit the process's own stdout ({@code serve --run}).
 */
public record JzramProcess(int status, String out, String err) {

    /** The command line of {@code java ... io.jzram.cli.Jzram ARGS}. */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")
                    || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx512m");
        Collections.addAll(cmd, "-cp", System.getProperty("java.class.path"), Jzram.class.getName());
        Collections.addAll(cmd, args);
        return cmd;
    }

    /** Whether an executable of that name is on $PATH (the real-tool checks skip, saying so, without it). */
    public static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs it to the end (killed after {@code timeout}), stdout and stderr apart. */
    public static JzramProcess run(Duration timeout, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jzram-process");
        try {
            Path out = dir.resolve("out");
            Path err = dir.resolve("err");
            Process p = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("jzram " + String.join(" ", args) + " did not finish in " + timeout + "; stderr: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new JzramProcess(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
