// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import java.util.List;

/** The shell's syntax tree: what {@link Parser} makes of a line (or of the lines of a for loop). */
final class Ast {

    private Ast() {
    }

    /** A piece of a word: literal text, or a variable to expand; quoted pieces are not split or brace-expanded. */
    record Part(String text, boolean variable, boolean quoted) {
    }

    /** A word as written: its pieces. */
    record Word(List<Part> parts) {
        /** The word when it has no variable (reserved words, assignment names). */
        String literal() {
            StringBuilder sb = new StringBuilder();
            for (Part p : parts) {
                if (p.variable()) {
                    return null;
                }
                sb.append(p.text());
            }
            return sb.toString();
        }

        boolean hasQuotes() {
            for (Part p : parts) {
                if (p.quoted()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A redirection: {@code fd op target}; op is one of &gt; &gt;&gt; &lt; and dup (&gt;&amp;N). */
    record Redir(int fd, String op, Word target, int dupFd) {
    }

    /** A command of a pipeline. */
    sealed interface Command permits Simple, For {
    }

    /** NAME=value. */
    record Assignment(String name, Word value) {
    }

    /** NAME=value... word... with redirections; {@code lineOffset}: its line within the statement's text. */
    record Simple(List<Assignment> assignments, List<Word> words, List<Redir> redirs, int lineOffset) implements Command {
    }

    /** for NAME in WORDS; do LIST; done (redirections of the loop itself are not supported). */
    record For(String var, List<Word> items, Seq body) implements Command {
    }

    /** command | command ...; {@code !} negates the status. */
    record Pipeline(List<Command> commands, boolean negated) {
    }

    /** pipeline (&amp;&amp;|'||') pipeline ... */
    record AndOr(List<Pipeline> pipelines, List<String> ops) {
    }

    /** One element of a list, run in the background when followed by &amp;. */
    record Item(AndOr andOr, boolean background) {
    }

    /** A list: items separated by ; or &amp; (or newlines inside a loop). */
    record Seq(List<Item> items) {
    }
}
