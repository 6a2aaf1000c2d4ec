// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The build's generator of jzram's bash completion script and man pages (cli/pom.xml runs it in
 * process-test-classes, where picocli-codegen is on the test class path): both come from the
 * command tree the launcher runs ({@link Jzram#commandLine()}), so they list what the executable
 * takes. Writes {@code TARGET/dist/share/bash-completion/completions/jzram} (picocli's
 * AutoComplete) and one AsciiDoc man page per command, {@code TARGET/generated-docs/man/jzram.adoc},
 * {@code jzram-storm.adoc}, ... (picocli's ManPageGenerator), which Asciidoctor's manpage backend
 * then turns into roff in {@code TARGET/dist/share/man/man1}.
 */
public final class GenerateDocs {

    private GenerateDocs() {
    }

    /** The commands that get a man page: jzram and each subcommand but help. */
    static List<CommandLine> manPageCommands() {
        CommandLine root = Jzram.commandLine();
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        root.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                all.add(sub);
            }
        });
        return all;
    }

    /** The man page's name: jzram, jzram-storm, ... */
    static String manName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName("-");
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Path completion = target.resolve("dist/share/bash-completion/completions/jzram");
        Files.createDirectories(completion.getParent());
        Files.writeString(completion, AutoComplete.bash("jzram", Jzram.commandLine()), StandardCharsets.UTF_8);
        Path adoc = target.resolve("generated-docs/man");
        Files.createDirectories(adoc);
        for (CommandLine cl : manPageCommands()) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(adoc.resolve(manName(cl) + ".adoc"), StandardCharsets.UTF_8))) {
                ManPageGenerator.writeSingleManPage(w, cl.getCommandSpec());
            }
        }
    }
}
