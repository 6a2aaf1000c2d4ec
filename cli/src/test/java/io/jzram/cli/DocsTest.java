// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The completion script and man pages the build generated (GenerateDocs, then Asciidoctor) into
 * target/dist and the jar: the script is valid bash and completes subcommands and option values;
 * each man page renders with groff without a warning and lists every option of its command.
 */
@Timeout(120)
class DocsTest {
    private static final Path DIST = Path.of(System.getProperty("jzram.dist", "target/dist"));
    private static final Path COMPLETION = DIST.resolve("share/bash-completion/completions/jzram");

    /** Runs a command; returns stdout, with stderr after a NUL. */
    private static String[] run(List<String> cmd, Path cwd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8),
            Integer.toString(p.exitValue())};
    }

    private static String complete(String... words) throws Exception {
        String line = String.join(" ", words);
        StringBuilder arr = new StringBuilder();
        for (String w : words) {
            arr.append(" '").append(w).append('\'');
        }
        String script = "source '" + COMPLETION + "'; COMP_WORDS=(" + arr + " ); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_jzram 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        String[] r = run(List.of("bash", "-c", script), DIST);
        assertThat(r[2]).as(r[1]).isEqualTo("0");
        return r[0];
    }

    @Test
    void theCompletionScriptIsBashAndCompletes() throws Exception {
        assertThat(COMPLETION).isRegularFile();
        String[] syntax = run(List.of("bash", "-n", COMPLETION.toString()), DIST);
        assertThat(syntax[2]).as(syntax[1]).isEqualTo("0");
        assertThat(complete("jzram", "sto")).isEqualTo("storm\n");
        assertThat(complete("jzram", "st").split("\n")).containsExactlyInAnyOrder("storm", "status");
        assertThat(complete("jzram", "storm", "--fixes", "").split("\n"))
                .containsExactly("none", "seed", "upstream", "all", "patch11");
        assertThat(complete("jzram", "serve", "--kcon")).isEqualTo("--kconfig\n");
        assertThat(complete("jzram", "sh", "--no-lo")).isEqualTo("--no-lockdep\n");
    }

    @Test
    void everyManPageRendersWithoutWarningsAndListsEveryOption() throws Exception {
        assumeTrue(JzramProcess.onPath("groff") && JzramProcess.onPath("man"), "groff or man is not installed: the man page check is skipped");
        List<CommandLine> commands = GenerateDocs.manPageCommands();
        assertThat(commands).hasSizeGreaterThan(10);
        for (CommandLine cl : commands) {
            Path page = DIST.resolve("share/man/man1/" + GenerateDocs.manName(cl) + ".1");
            assertThat(page).isRegularFile();
            String[] groff = run(List.of("groff", "-t", "-man", "-Tutf8", "-ww", "-z", page.toString()), DIST);
            assertThat(groff[1]).as("groff warnings for " + page).isEmpty();
            assertThat(groff[2]).isEqualTo("0");
            String[] man = run(List.of("env", "MANWIDTH=100", "MAN_KEEP_FORMATTING=0", "man", "--nj", "--nh", "-Tascii", "-l",
                    page.toString()), DIST);
            assertThat(man[2]).as(man[1]).isEqualTo("0");
            String text = man[0].replaceAll(".\b", "");
            assertThat(text).as(page.toString()).contains("NAME", "SYNOPSIS", "EXIT STATUS");
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                String shown = o.negatable() ? "--[no-]" + o.longestName().replaceFirst("^--(no-)?", "") : o.longestName();
                assertThat(text).as(page + " lists " + shown).contains(shown);
            }
            String shipped = "/jzram/share/man/man1/" + GenerateDocs.manName(cl) + ".1";
            assertThat(DocsTest.class.getResource(shipped)).as("in the jar's classes: " + shipped).isNotNull();
        }
        assertThat(DocsTest.class.getResource("/jzram/share/bash-completion/completions/jzram")).isNotNull();
    }
}
