// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * The shell's parser: a bash-like subset. Words with '...' and "..." quoting, backslash escapes,
 * {@code $NAME ${NAME} $?} expansion, {@code #} comments; operators {@code ; & && || | !};
 * redirections {@code > >> < 2> 2>> &> N>&M}; {@code NAME=value} assignments; and
 * {@code for NAME in WORDS; do LIST; done}, which may span lines. No subshells, command
 * substitution, globbing, if/while or functions.
 */
final class Parser {

    /** The input ended inside a construct (a quote, a for loop): more lines are needed. */
    static final class Incomplete extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Incomplete(String what) {
            super(what);
        }
    }

    /** A syntax error; the message is bash's ("syntax error near unexpected token `X'"). */
    static final class SyntaxError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    private record Token(String op, Ast.Word word, int line) {
        boolean isOp(String o) {
            return op != null && op.equals(o);
        }

        boolean isWord(String w) {
            return word != null && w.equals(word.literal()) && !word.hasQuotes();
        }

        String show() {
            return op != null ? op : word.literal() != null ? word.literal() : "word";
        }
    }

    private List<Token> tokens;
    private int pos;
    private int curLine;

    private Parser() {
    }

    /** Parses a whole input (one line, or several joined with '\n' for a loop). */
    static Ast.Seq parse(String text) {
        Parser p = new Parser();
        p.tokens = p.tokenize(text);
        Ast.Seq seq = p.list(false);
        if (p.pos < p.tokens.size()) {
            throw new SyntaxError("syntax error near unexpected token `" + p.tokens.get(p.pos).show() + "'");
        }
        return seq;
    }

    // ---------------------------------------------------------------- tokens

    private Token tok(String op, Ast.Word word) {
        return new Token(op, word, curLine);
    }

    private List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\n') {
                out.add(tok(";", null));
                curLine++;
                i++;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                i++;
                continue;
            }
            if (c == '#') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            // redirections with a descriptor number: 2> 2>> 1>&2 2>&1
            if (Character.isDigit(c) && i + 1 < n && (s.charAt(i + 1) == '>' || s.charAt(i + 1) == '<')) {
                int fd = c - '0';
                i++;
                i = redirOp(s, i, fd, out);
                continue;
            }
            if (c == '>' || c == '<') {
                i = redirOp(s, i, c == '>' ? 1 : 0, out);
                continue;
            }
            if (c == '&') {
                if (i + 1 < n && s.charAt(i + 1) == '&') {
                    out.add(tok("&&", null));
                    i += 2;
                } else if (i + 1 < n && s.charAt(i + 1) == '>') {
                    out.add(tok("&>", null));
                    i += 2;
                } else {
                    out.add(tok("&", null));
                    i++;
                }
                continue;
            }
            if (c == '|') {
                if (i + 1 < n && s.charAt(i + 1) == '|') {
                    out.add(tok("||", null));
                    i += 2;
                } else {
                    out.add(tok("|", null));
                    i++;
                }
                continue;
            }
            if (c == ';') {
                if (i + 1 < n && s.charAt(i + 1) == ';') {
                    throw new SyntaxError("syntax error near unexpected token `;;'");
                }
                out.add(tok(";", null));
                i++;
                continue;
            }
            if (c == '(' || c == ')') {
                throw new SyntaxError("syntax error near unexpected token `" + c + "'");
            }
            i = word(s, i, out);
        }
        return out;
    }

    private int redirOp(String s, int i, int fd, List<Token> out) {
        int n = s.length();
        char c = s.charAt(i);
        if (c == '<') {
            out.add(tok("<" + fd, null));
            return i + 1;
        }
        if (i + 1 < n && s.charAt(i + 1) == '>') {
            out.add(tok(">>" + fd, null));
            return i + 2;
        }
        if (i + 2 < n && s.charAt(i + 1) == '&' && Character.isDigit(s.charAt(i + 2))) {
            out.add(tok(">&" + fd + ":" + (s.charAt(i + 2) - '0'), null));
            return i + 3;
        }
        out.add(tok(">" + fd, null));
        return i + 1;
    }

    private static boolean isWordEnd(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>'
                || c == '(' || c == ')';
    }

    private int word(String s, int i, List<Token> out) {
        List<Ast.Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int n = s.length();
        while (i < n && !isWordEnd(s.charAt(i))) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    i++;
                    continue;
                }
                flush(parts, lit, false);
                parts.add(new Ast.Part(String.valueOf(s.charAt(i + 1)), false, true));
                i += 2;
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new Incomplete("unterminated '");
                }
                flush(parts, lit, false);
                parts.add(new Ast.Part(s.substring(i + 1, end), false, true));
                curLine += (int) s.substring(i + 1, end).chars().filter(ch -> ch == '\n').count();
                i = end + 1;
            } else if (c == '"') {
                flush(parts, lit, false);
                i = doubleQuoted(s, i + 1, parts);
            } else if (c == '$') {
                int[] end = new int[1];
                String var = variable(s, i, end);
                if (var == null) {
                    lit.append('$');
                    i++;
                } else {
                    flush(parts, lit, false);
                    parts.add(new Ast.Part(var, true, false));
                    i = end[0];
                }
            } else {
                lit.append(c);
                i++;
            }
        }
        flush(parts, lit, false);
        if (parts.isEmpty()) {
            parts.add(new Ast.Part("", false, true));
        }
        out.add(tok(null, new Ast.Word(parts)));
        return i;
    }

    private int doubleQuoted(String s, int i, List<Ast.Part> parts) {
        StringBuilder lit = new StringBuilder();
        int n = s.length();
        boolean any = false;
        while (true) {
            if (i >= n) {
                throw new Incomplete("unterminated \"");
            }
            char c = s.charAt(i);
            if (c == '"') {
                break;
            }
            if (c == '\n') {
                curLine++;
            }
            if (c == '\\' && i + 1 < n && "\\\"$`\n".indexOf(s.charAt(i + 1)) >= 0) {
                if (s.charAt(i + 1) != '\n') {
                    lit.append(s.charAt(i + 1));
                }
                i += 2;
            } else if (c == '$') {
                int[] end = new int[1];
                String var = variable(s, i, end);
                if (var == null) {
                    lit.append('$');
                    i++;
                } else {
                    flush(parts, lit, true);
                    parts.add(new Ast.Part(var, true, true));
                    any = true;
                    i = end[0];
                }
            } else {
                lit.append(c);
                i++;
            }
        }
        if (lit.length() > 0 || !any) {
            parts.add(new Ast.Part(lit.toString(), false, true));
        }
        return i + 1;
    }

    /** $NAME, ${NAME}, $?, $$, $# or $N at s[i]; null when it is a lone '$'. */
    private static String variable(String s, int i, int[] end) {
        int n = s.length();
        if (i + 1 >= n) {
            return null;
        }
        char c = s.charAt(i + 1);
        if (c == '{') {
            int close = s.indexOf('}', i + 2);
            if (close < 0) {
                throw new Incomplete("unterminated ${");
            }
            end[0] = close + 1;
            return s.substring(i + 2, close);
        }
        if (c == '?' || c == '$' || c == '#' || Character.isDigit(c)) {
            end[0] = i + 2;
            return String.valueOf(c);
        }
        if (Character.isLetter(c) || c == '_') {
            int j = i + 1;
            while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                j++;
            }
            end[0] = j;
            return s.substring(i + 1, j);
        }
        return null;
    }

    private static void flush(List<Ast.Part> parts, StringBuilder lit, boolean quoted) {
        if (lit.length() > 0) {
            parts.add(new Ast.Part(lit.toString(), false, quoted));
            lit.setLength(0);
        }
    }

    // ---------------------------------------------------------------- grammar

    private Token peek() {
        return pos < tokens.size() ? tokens.get(pos) : null;
    }

    private Ast.Seq list(boolean inLoop) {
        List<Ast.Item> items = new ArrayList<>();
        while (true) {
            while (peek() != null && peek().isOp(";")) {
                pos++;
            }
            Token t = peek();
            if (t == null) {
                if (inLoop) {
                    throw new Incomplete("for loop without done");
                }
                break;
            }
            if (inLoop && t.isWord("done")) {
                break;
            }
            if (t.op != null && !t.isOp("!") && !t.op.startsWith(">") && !t.op.startsWith("<") && !t.isOp("&>")) {
                throw new SyntaxError("syntax error near unexpected token `" + t.show() + "'");
            }
            Ast.AndOr ao = andOr();
            boolean bg = false;
            Token sep = peek();
            if (sep != null && sep.isOp("&")) {
                bg = true;
                pos++;
            } else if (sep != null && sep.isOp(";")) {
                pos++;
            } else if (sep != null && !(inLoop && sep.isWord("done"))) {
                throw new SyntaxError("syntax error near unexpected token `" + sep.show() + "'");
            }
            items.add(new Ast.Item(ao, bg));
        }
        return new Ast.Seq(items);
    }

    private Ast.AndOr andOr() {
        List<Ast.Pipeline> pls = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        pls.add(pipeline());
        while (peek() != null && (peek().isOp("&&") || peek().isOp("||"))) {
            ops.add(tokens.get(pos++).op);
            while (peek() != null && peek().isOp(";")) {
                throw new SyntaxError("syntax error near unexpected token `;'");
            }
            if (peek() == null) {
                throw new Incomplete("&& or || at the end");
            }
            pls.add(pipeline());
        }
        return new Ast.AndOr(pls, ops);
    }

    private Ast.Pipeline pipeline() {
        boolean neg = false;
        if (peek() != null && peek().isWord("!")) {
            neg = true;
            pos++;
        }
        List<Ast.Command> cmds = new ArrayList<>();
        cmds.add(command());
        while (peek() != null && peek().isOp("|")) {
            pos++;
            if (peek() == null) {
                throw new Incomplete("| at the end");
            }
            cmds.add(command());
        }
        return new Ast.Pipeline(cmds, neg);
    }

    private Ast.Command command() {
        Token t = peek();
        int line = t == null ? 0 : t.line();
        if (t != null && t.isWord("for")) {
            return forLoop();
        }
        List<Ast.Assignment> assigns = new ArrayList<>();
        List<Ast.Word> words = new ArrayList<>();
        List<Ast.Redir> redirs = new ArrayList<>();
        while ((t = peek()) != null) {
            if (t.word != null) {
                Ast.Part first = t.word.parts().get(0);
                String lit = first.variable() || first.quoted() ? null : first.text();
                if (words.isEmpty() && lit != null && lit.matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
                    int eq = lit.indexOf('=');
                    List<Ast.Part> rest = new ArrayList<>();
                    if (eq + 1 < lit.length()) {
                        rest.add(new Ast.Part(lit.substring(eq + 1), false, true));
                    }
                    rest.addAll(t.word.parts().subList(1, t.word.parts().size()));
                    assigns.add(new Ast.Assignment(lit.substring(0, eq), new Ast.Word(rest)));
                    pos++;
                    continue;
                }
                words.add(t.word);
                pos++;
                continue;
            }
            String op = t.op;
            if (op.startsWith(">&")) {
                String[] fds = op.substring(2).split(":");
                redirs.add(new Ast.Redir(Integer.parseInt(fds[0]), "dup", null, Integer.parseInt(fds[1])));
                pos++;
                continue;
            }
            if (op.startsWith(">>") || op.startsWith(">") || op.startsWith("<") || op.equals("&>")) {
                pos++;
                Token target = peek();
                if (target == null) {
                    throw new SyntaxError("syntax error near unexpected token `newline'");
                }
                if (target.word == null) {
                    throw new SyntaxError("syntax error near unexpected token `" + target.show() + "'");
                }
                pos++;
                if (op.equals("&>")) {
                    redirs.add(new Ast.Redir(1, ">", target.word, -1));
                    redirs.add(new Ast.Redir(2, "dup", null, 1));
                } else if (op.startsWith(">>")) {
                    redirs.add(new Ast.Redir(op.charAt(2) - '0', ">>", target.word, -1));
                } else if (op.startsWith(">")) {
                    redirs.add(new Ast.Redir(op.charAt(1) - '0', ">", target.word, -1));
                } else {
                    redirs.add(new Ast.Redir(op.charAt(1) - '0', "<", target.word, -1));
                }
                continue;
            }
            break;
        }
        if (assigns.isEmpty() && words.isEmpty() && redirs.isEmpty()) {
            Token bad = peek();
            throw new SyntaxError("syntax error near unexpected token `" + (bad == null ? "newline" : bad.show()) + "'");
        }
        return new Ast.Simple(assigns, words, redirs, line);
    }

    private Ast.Command forLoop() {
        pos++; // for
        Token name = peek();
        if (name == null) {
            throw new Incomplete("for without a name");
        }
        String var = name.word == null ? null : name.word.literal();
        if (var == null || !var.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new SyntaxError("`" + name.show() + "': not a valid identifier");
        }
        pos++;
        List<Ast.Word> items = new ArrayList<>();
        if (peek() != null && peek().isWord("in")) {
            pos++;
            while (peek() != null && peek().word != null) {
                items.add(peek().word);
                pos++;
            }
        }
        while (peek() != null && peek().isOp(";")) {
            pos++;
        }
        if (peek() == null) {
            throw new Incomplete("for without do");
        }
        if (!peek().isWord("do")) {
            throw new SyntaxError("syntax error near unexpected token `" + peek().show() + "'");
        }
        pos++;
        Ast.Seq body = list(true);
        if (peek() == null) {
            throw new Incomplete("for without done");
        }
        pos++; // done
        return new Ast.For(var, items, body);
    }
}
