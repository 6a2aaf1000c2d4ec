// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.KernelOops;
import io.jzram.sysfs.Machine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jzram sh}: a line-oriented, bash-like shell whose /sys and /dev are an emulated
 * {@link Machine}'s (every other path is the host's), so a scenario written for the real kernel runs
 * on the emulator and the outputs can be diffed. Errors read like bash's on the real kernel:
 * {@code bash: line N: echo: write error: Device or resource busy}, {@code cat: PATH: Permission
 * denied}, dd's and modprobe's own messages, with each command's exit status in {@code $?}.
 *
 * <p>Syntax ({@link Parser}): words with quotes, escapes and {@code $VAR}; {@code ; && || | & !};
 * redirections {@code > >> < 2> 2>&1 &>}; {@code NAME=value}; {@code for NAME in ...; do ...; done}
 * (also over several lines) with {@code {A..B}} ranges. Commands ({@link Commands}): echo, printf,
 * cat, ls, head, od, grep, cmp, dd, blkdiscard, modprobe, rmmod, dmesg, sleep, timeout, true, false,
 * set (-e, -x), exit, wait. Pipeline members run on their own threads; {@code &} starts a background
 * job ({@code wait} waits for them; the shell waits for them before it ends).
 *
 * <p>Differences from bash: errors always say {@code bash: line N:} (bash names a script file by
 * its path, and a script read from stdin without a line number); no globbing, subshells, command
 * substitution, if/while or functions; ls sorts in the C locale; the random devices are seeded
 * ({@link Builder#seed}).
 */
public final class Shell {

    /** Thrown to end the script ({@code exit}, {@code set -e}). */
    static final class Exit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Exit(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    private final Machine machine;
    private final Io.Fs fs;
    private final Io.Out stdout;
    private final Io.Out stderr;
    private final Io.In stdin;
    private final String name;
    private final Map<String, String> vars = new ConcurrentHashMap<>();
    private final List<Thread> jobs = new ArrayList<>();
    private final Map<Thread, Integer> jobStatus = new ConcurrentHashMap<>();
    private volatile int lastStatus;
    private volatile boolean errexit;
    private volatile boolean xtrace;
    private volatile int line;

    private Shell(Builder b) {
        this.machine = Objects.requireNonNull(b.machine, "machine");
        this.fs = new Io.Fs(machine, new Random(b.seed));
        this.stdout = Io.console(b.out);
        this.stderr = Io.console(b.err);
        this.stdin = b.in == null ? Io.empty() : Io.input(b.in);
        this.name = b.name;
    }

    public static Builder builder(Machine machine) {
        return new Builder(machine);
    }

    /** Builds a shell. */
    public static final class Builder {
        private final Machine machine;
        private OutputStream out = System.out;
        private OutputStream err = System.err;
        private InputStream in;
        private long seed = new Random().nextLong();
        private String name = "bash";

        private Builder(Machine machine) {
            this.machine = machine;
        }

        /** Where commands write their standard output (default System.out). */
        public Builder out(OutputStream os) {
            this.out = Objects.requireNonNull(os);
            return this;
        }

        /** Where commands and the shell write errors (default System.err). */
        public Builder err(OutputStream os) {
            this.err = Objects.requireNonNull(os);
            return this;
        }

        /** The commands' standard input (default: empty). */
        public Builder in(InputStream is) {
            this.in = is;
            return this;
        }

        /** Seed of /dev/urandom and /dev/random (default: random). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** The name errors start with (default "bash"). */
        public Builder name(String n) {
            this.name = Objects.requireNonNull(n);
            return this;
        }

        public Shell build() {
            return new Shell(this);
        }
    }

    public Machine machine() {
        return machine;
    }

    Io.Fs fs() {
        return fs;
    }

    String name() {
        return name;
    }

    int line() {
        return line;
    }

    int lastStatus() {
        return lastStatus;
    }

    void setErrexit(boolean on) {
        errexit = on;
    }

    void setXtrace(boolean on) {
        xtrace = on;
    }

    /** "bash: line N: " */
    String prefix(int atLine) {
        return name + ": line " + atLine + ": ";
    }

    // ================================================================ running a script

    /** Runs a whole script; returns its exit status (that of the last command, or exit's). */
    public int run(Reader script) throws IOException {
        BufferedReader r = script instanceof BufferedReader br ? br : new BufferedReader(script);
        int status = 0;
        try {
            String text;
            int n = 0;
            while ((text = r.readLine()) != null) {
                n++;
                int first = n;
                StringBuilder sb = new StringBuilder(text);
                Ast.Seq seq = null;
                while (true) {
                    if (endsWithContinuation(sb)) {
                        sb.setLength(sb.length() - 1);
                        String more = r.readLine();
                        if (more != null) {
                            n++;
                            sb.append(more);
                            continue;
                        }
                    }
                    try {
                        seq = Parser.parse(sb.toString());
                        break;
                    } catch (Parser.Incomplete inc) {
                        String more = r.readLine();
                        if (more == null) {
                            errln(prefix(first) + "syntax error: unexpected end of file");
                            return 2;
                        }
                        n++;
                        sb.append('\n').append(more);
                    } catch (Parser.SyntaxError se) {
                        errln(prefix(first) + se.getMessage());
                        errln(prefix(first) + "`" + sb.toString().strip() + "'");
                        return 2;
                    }
                }
                line = first;
                status = runSeq(seq, stdin, stdout, stderr);
            }
            waitJobs();
            return lastStatus;
        } catch (Exit e) {
            return e.status;
        }
    }

    /** Runs one line (or several, for a loop) and returns the status; {@code exit} ends with its status. */
    public int runLine(String text) {
        try {
            Ast.Seq seq = Parser.parse(text);
            line++;
            return runSeq(seq, stdin, stdout, stderr);
        } catch (Parser.Incomplete | Parser.SyntaxError e) {
            errln(prefix(line) + e.getMessage());
            return 2;
        } catch (Exit e) {
            return e.status;
        }
    }

    private static boolean endsWithContinuation(StringBuilder sb) {
        int bs = 0;
        for (int i = sb.length() - 1; i >= 0 && sb.charAt(i) == '\\'; i--) {
            bs++;
        }
        return bs % 2 == 1;
    }

    void errln(String s) {
        try {
            stderr.writeAll((s + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException e) {
            // nowhere else to report it
        }
    }

    // ================================================================ lists, and-or, pipelines

    private int runSeq(Ast.Seq seq, Io.In in, Io.Out out, Io.Out err) {
        int status = lastStatus;
        for (Ast.Item item : seq.items()) {
            if (item.background()) {
                int atLine = line;
                Thread t = new Thread(() -> {
                    int s;
                    try {
                        s = runAndOr(item.andOr(), Io.empty(), out, err, atLine, false);
                    } catch (Exit e) {
                        s = e.status;
                    }
                    jobStatus.put(Thread.currentThread(), s);
                }, "sh-job-" + (jobs.size() + 1));
                t.setDaemon(true);
                synchronized (jobs) {
                    jobs.add(t);
                }
                t.start();
                status = 0;
                lastStatus = 0;
                continue;
            }
            status = runAndOr(item.andOr(), in, out, err, line, errexit);
        }
        return status;
    }

    private int runAndOr(Ast.AndOr ao, Io.In in, Io.Out out, Io.Out err, int atLine, boolean exitOnError) {
        int status = runPipeline(ao.pipelines().get(0), in, out, err, atLine);
        int last = 0;
        for (int i = 0; i < ao.ops().size(); i++) {
            boolean and = ao.ops().get(i).equals("&&");
            if (and == (status == 0)) {
                status = runPipeline(ao.pipelines().get(i + 1), in, out, err, atLine);
                last = i + 1;
            }
        }
        lastStatus = status;
        if (exitOnError && status != 0 && last == ao.pipelines().size() - 1 && !ao.pipelines().get(last).negated()) {
            throw new Exit(status);
        }
        return status;
    }

    private int runPipeline(Ast.Pipeline pl, Io.In in, Io.Out out, Io.Out err, int atLine) {
        List<Ast.Command> cmds = pl.commands();
        int status;
        if (cmds.size() == 1) {
            status = runCommand(cmds.get(0), in, out, err, atLine);
        } else {
            List<Thread> threads = new ArrayList<>();
            Io.In next = in;
            for (int i = 0; i < cmds.size() - 1; i++) {
                Io.Pipe p = new Io.Pipe();
                Ast.Command c = cmds.get(i);
                Io.In cin = next;
                Thread t = new Thread(() -> {
                    try {
                        runCommand(c, cin, p.out, err, atLine);
                    } catch (Exit e) {
                        // exit in a pipeline member ends only that member
                    } finally {
                        p.out.close();
                        if (cin != in) {
                            cin.close();
                        }
                    }
                }, "sh-pipe-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
                next = p.in;
            }
            try {
                status = runCommand(cmds.get(cmds.size() - 1), next, out, err, atLine);
            } finally {
                next.close();
                for (Thread t : threads) {
                    joinQuietly(t);
                }
            }
        }
        if (pl.negated()) {
            status = status == 0 ? 1 : 0;
        }
        lastStatus = status;
        return status;
    }

    private int runCommand(Ast.Command cmd, Io.In in, Io.Out out, Io.Out err, int atLine) {
        if (cmd instanceof Ast.For f) {
            int status = 0;
            for (String v : expand(f.items())) {
                vars.put(f.var(), v);
                status = runSeq(f.body(), in, out, err);
            }
            return status;
        }
        Ast.Simple s = (Ast.Simple) cmd;
        atLine += s.lineOffset();
        List<String> argv = expand(s.words());
        for (Ast.Assignment a : s.assignments()) {
            vars.put(a.name(), String.join(" ", expandWord(a.value(), false)));
        }
        if (argv.isEmpty() && s.redirs().isEmpty()) {
            return 0;
        }
        Io.In cin = in;
        Io.Out cout = out;
        Io.Out cerr = err;
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            for (Ast.Redir r : s.redirs()) {
                if (r.op().equals("dup")) {
                    Io.Out target = r.dupFd() == 1 ? cout : r.dupFd() == 2 ? cerr : null;
                    if (target == null) {
                        errln(err, prefix(atLine) + r.dupFd() + ": Bad file descriptor");
                        return 1;
                    }
                    if (r.fd() == 1) {
                        cout = target;
                    } else if (r.fd() == 2) {
                        cerr = target;
                    }
                    continue;
                }
                List<String> t = expandWord(r.target(), true);
                if (t.size() != 1) {
                    errln(err, prefix(atLine) + "ambiguous redirect");
                    return 1;
                }
                String path = t.get(0);
                try {
                    if (r.op().equals("<")) {
                        Io.In f = fs.openRead(path, in);
                        opened.add(f);
                        cin = f;
                    } else {
                        Io.Out f = fs.openWrite(path, r.op().equals(">>"), true, cout, cerr);
                        if (f != cout && f != cerr) {
                            opened.add(f);
                        }
                        if (r.fd() == 1) {
                            cout = f;
                        } else if (r.fd() == 2) {
                            cerr = f;
                        }
                    }
                } catch (ErrnoException e) {
                    errln(err, prefix(atLine) + path + ": " + e.errno().text());
                    return 1;
                }
            }
            if (argv.isEmpty()) {
                return 0;
            }
            if (xtrace) {
                errln(cerr, "+ " + String.join(" ", argv));
            }
            return exec(argv, cin, cout, cerr, atLine);
        } finally {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    // close(2) errors are ignored, as bash does
                }
            }
        }
    }

    /** Runs one command with its arguments: the status. */
    int exec(List<String> argv, Io.In in, Io.Out out, Io.Out err, int atLine) {
        String cmd = argv.get(0);
        Commands.Command c = Commands.lookup(cmd);
        if (c == null) {
            errln(err, prefix(atLine) + cmd + ": command not found");
            return 127;
        }
        Commands.Ctx ctx = new Commands.Ctx(this, argv, in, out, err, atLine);
        try {
            return c.run(ctx);
        } catch (Io.BrokenPipe e) {
            return 141;
        } catch (KernelOops e) {
            errln(err, prefix(atLine) + "Killed");
            return 137;
        } catch (Exit e) {
            throw e;
        } catch (ErrnoException e) {
            errln(err, cmd + ": " + e.errno().text());
            return 1;
        }
    }

    void errln(Io.Out err, String s) {
        try {
            err.writeAll((s + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException e) {
            // nowhere else to report it
        }
    }

    // ================================================================ jobs

    /** wait: every background job; the status of the last one. */
    int waitJobs() {
        List<Thread> all;
        synchronized (jobs) {
            all = new ArrayList<>(jobs);
            jobs.clear();
        }
        int status = 0;
        for (Thread t : all) {
            joinQuietly(t);
            status = jobStatus.getOrDefault(t, 0);
            jobStatus.remove(t);
        }
        return status;
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================ expansion

    private static final Pattern RANGE = Pattern.compile("(.*)\\{(-?\\d+)\\.\\.(-?\\d+)\\}(.*)");

    private List<String> expand(List<Ast.Word> words) {
        List<String> out = new ArrayList<>();
        for (Ast.Word w : words) {
            out.addAll(expandWord(w, false));
        }
        return out;
    }

    /** One word: variables expanded (unquoted ones split on blanks), {A..B} ranges of unquoted text. */
    List<String> expandWord(Ast.Word w, boolean redirect) {
        if (w.parts().size() == 1 && !w.parts().get(0).quoted() && !w.parts().get(0).variable()) {
            Matcher m = RANGE.matcher(w.parts().get(0).text());
            if (m.matches() && !redirect) {
                long a = Long.parseLong(m.group(2));
                long b = Long.parseLong(m.group(3));
                List<String> out = new ArrayList<>();
                for (long i = a; a <= b ? i <= b : i >= b; i += a <= b ? 1 : -1) {
                    out.add(m.group(1) + i + m.group(4));
                }
                return out;
            }
        }
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean have = false;
        for (Ast.Part p : w.parts()) {
            if (!p.variable()) {
                cur.append(p.text());
                have = true;
                continue;
            }
            String v = value(p.text());
            if (p.quoted()) {
                cur.append(v);
                have = true;
                continue;
            }
            String[] split = v.split("[ \\t\\n]+", -1);
            for (int i = 0; i < split.length; i++) {
                if (i > 0) {
                    if (have || cur.length() > 0) {
                        fields.add(cur.toString());
                    }
                    cur.setLength(0);
                    have = false;
                }
                if (!split[i].isEmpty()) {
                    cur.append(split[i]);
                    have = true;
                }
            }
        }
        if (have || cur.length() > 0) {
            fields.add(cur.toString());
        }
        return fields;
    }

    private String value(String var) {
        switch (var) {
            case "?":
                return Integer.toString(lastStatus);
            case "$":
                return Long.toString(ProcessHandle.current().pid());
            case "#":
                return "0";
            default:
                if (!var.isEmpty() && Character.isDigit(var.charAt(0))) {
                    return var.equals("0") ? name : "";
                }
                String v = vars.get(var);
                if (v == null) {
                    v = System.getenv(var);
                }
                return v == null ? "" : v;
        }
    }
}
