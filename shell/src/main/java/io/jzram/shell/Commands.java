// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.sysfs.Machine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The shell's commands, each as its real counterpart behaves on the project's machines (bash 5.2
 * builtins, coreutils 9.1, grep, util-linux 2.38, kmod): arguments, output format, error messages
 * and exit status, for the options listed with each.
 *
 * <p>Size: one class of about 1,200 lines on purpose: one short static method per command behind
 * one table ({@code COMMANDS}), sharing the argument and error helpers at the bottom; split by
 * command family it would only scatter those helpers.
 */
final class Commands {

    private Commands() {
    }

    /** A command: its exit status. */
    @FunctionalInterface
    interface Command {
        int run(Ctx c);
    }

    /** What a command runs with. */
    static final class Ctx {
        final Shell sh;
        final List<String> argv;
        final Io.In in;
        final Io.Out out;
        final Io.Out err;
        final int line;

        Ctx(Shell sh, List<String> argv, Io.In in, Io.Out out, Io.Out err, int line) {
            this.sh = sh;
            this.argv = argv;
            this.in = in;
            this.out = out;
            this.err = err;
            this.line = line;
        }

        String name() {
            return argv.get(0);
        }

        Machine machine() {
            return sh.machine();
        }

        /** A message on stderr. */
        void err(String s) {
            sh.errln(err, s);
        }

        /** "bash: line N: " + s on stderr (for builtins). */
        void bashErr(String s) {
            sh.errln(err, sh.prefix(line) + s);
        }

        void print(String s) {
            out.writeAll(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final Map<String, Command> COMMANDS = new TreeMap<>();

    static {
        COMMANDS.put("echo", Commands::echo);
        COMMANDS.put("printf", Commands::printf);
        COMMANDS.put("cat", Commands::cat);
        COMMANDS.put("ls", Commands::ls);
        COMMANDS.put("head", Commands::head);
        COMMANDS.put("od", Od::run);
        COMMANDS.put("grep", Commands::grep);
        COMMANDS.put("cmp", Commands::cmp);
        COMMANDS.put("dd", Dd::run);
        COMMANDS.put("blkdiscard", Commands::blkdiscard);
        COMMANDS.put("modprobe", Commands::modprobe);
        COMMANDS.put("rmmod", Commands::rmmod);
        COMMANDS.put("lsmod", Commands::lsmod);
        COMMANDS.put("dmesg", Commands::dmesg);
        COMMANDS.put("sleep", Commands::sleep);
        COMMANDS.put("timeout", Commands::timeout);
        COMMANDS.put("true", c -> 0);
        COMMANDS.put(":", c -> 0);
        COMMANDS.put("false", c -> 1);
        COMMANDS.put("set", Commands::set);
        COMMANDS.put("exit", Commands::exit);
        COMMANDS.put("wait", c -> c.sh.waitJobs());
    }

    static Command lookup(String name) {
        return COMMANDS.get(name);
    }

    /** The commands there are. */
    static List<String> names() {
        return new ArrayList<>(COMMANDS.keySet());
    }

    // ================================================================ bash builtins

    /** echo [-neE] ARGS: one write(2) of the whole line (bash's stdio flush); "echo: write error: ..." on failure. */
    static int echo(Ctx c) {
        boolean newline = true;
        boolean escapes = false;
        int i = 1;
        while (i < c.argv.size() && c.argv.get(i).matches("-[neE]+")) {
            for (char f : c.argv.get(i).substring(1).toCharArray()) {
                if (f == 'n') {
                    newline = false;
                } else if (f == 'e') {
                    escapes = true;
                } else {
                    escapes = false;
                }
            }
            i++;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int k = i; k < c.argv.size(); k++) {
            if (k > i) {
                b.write(' ');
            }
            if (escapes) {
                if (escape(c.argv.get(k), b, true)) {
                    newline = false;
                    break;
                }
            } else {
                b.writeBytes(c.argv.get(k).getBytes(StandardCharsets.UTF_8));
            }
        }
        if (newline) {
            b.write('\n');
        }
        return builtinWrite(c, "echo", b.toByteArray());
    }

    /** The size of bash's stdout buffer (glibc's, from the st_blksize of what it writes to: 4096 here). */
    static final int STDIO_BUFFER = 4096;

    /**
     * What a builtin prints, written as bash's line-buffered stdout writes it: one write(2) per line
     * (up to and including each newline) and whenever 4096 bytes are buffered, as the builtin
     * produces its output; then, at its end, bash checks the stream: if a write already failed it
     * reports that (the last) error ("NAME: write error: ...", status 1) without flushing, and the
     * rest of the buffer is written when the redirection is undone, its error ignored; else it
     * flushes the rest and reports that write's error, if any. So {@code printf '1\n\n'} into a
     * sysfs file is two stores, "1\n" and "\n", and 5001 bytes are a store of 4096 and one of 905,
     * as on the real machine.
     */
    private static int builtinWrite(Ctx c, String name, byte[] data) {
        ErrnoException failed = null;
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n' || i + 1 - start == STDIO_BUFFER) {
                try {
                    c.out.writeAll(data, start, i + 1 - start);
                } catch (Io.BrokenPipe e) {
                    throw e;
                } catch (ErrnoException e) {
                    failed = e;
                }
                start = i + 1;
            }
        }
        if (start < data.length) {
            try {
                c.out.writeAll(data, start, data.length - start);
            } catch (Io.BrokenPipe e) {
                throw e;
            } catch (ErrnoException e) {
                if (failed == null) {
                    failed = e;
                }
            }
        }
        if (failed != null) {
            c.bashErr(name + ": write error: " + failed.errno().text());
            return 1;
        }
        return 0;
    }

    /**
     * The backslash escapes of echo -e and printf: \\ \a \b \c \e \f \n \r \t \v \0NNN (echo) or
     * \NNN (printf) and \xHH. Returns true at \c (stop output).
     */
    private static boolean escape(String s, ByteArrayOutputStream b, boolean echoStyle) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 >= s.length()) {
                b.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\\' -> b.write('\\');
                case 'a' -> b.write(7);
                case 'b' -> b.write(8);
                case 'c' -> {
                    return true;
                }
                case 'e' -> b.write(27);
                case 'f' -> b.write(12);
                case 'n' -> b.write('\n');
                case 'r' -> b.write('\r');
                case 't' -> b.write('\t');
                case 'v' -> b.write(11);
                case '"' -> b.write('"');
                case 'x' -> {
                    int v = 0;
                    int n = 0;
                    while (n < 2 && i + 1 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0) {
                        v = v * 16 + Character.digit(s.charAt(++i), 16);
                        n++;
                    }
                    if (n == 0) {
                        b.write('\\');
                        b.write('x');
                    } else {
                        b.write(v);
                    }
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = 0;
                        int n = 0;
                        int max = echoStyle && e == '0' ? 4 : 3;
                        i--;
                        while (n < max && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            v = v * 8 + (s.charAt(++i) - '0');
                            n++;
                        }
                        b.write(v & 0xFF);
                    } else {
                        b.write('\\');
                        b.writeBytes(String.valueOf(e).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return false;
    }

    private static final Pattern SPEC = Pattern.compile("%([-+ #0]*)(\\d*|\\*)(?:\\.(\\d*|\\*))?([diouxXcsb%])");

    /** printf FORMAT [ARGS]: %s %b %c %d %i %u %o %x %X %% with flags and widths; the format repeats for extra arguments. */
    static int printf(Ctx c) {
        int first = 1;
        if (first < c.argv.size() && c.argv.get(first).equals("--")) {
            first++;
        } else if (first < c.argv.size() && c.argv.get(first).startsWith("-") && c.argv.get(first).length() > 1) {
            // bash's internal_getopt: only -v VAR is an option; anything else is an invalid one
            String opt = c.argv.get(first);
            c.bashErr("printf: " + opt.substring(0, Math.min(2, opt.length())) + ": invalid option");
            c.err("printf: usage: printf [-v var] format [arguments]");
            return 2;
        }
        if (c.argv.size() <= first) {
            c.bashErr("printf: usage: printf [-v var] format [arguments]");
            return 2;
        }
        String fmt = c.argv.get(first);
        List<String> args = c.argv.subList(first + 1, c.argv.size());
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int status = 0;
        int used = 0;
        do {
            int consumedBefore = used;
            Matcher m = SPEC.matcher(fmt);
            int last = 0;
            boolean stop = false;
            while (m.find()) {
                if (escape(fmt.substring(last, m.start()), b, false)) {
                    stop = true;
                    break;
                }
                last = m.end();
                char conv = m.group(4).charAt(0);
                if (conv == '%') {
                    b.write('%');
                    continue;
                }
                String width = m.group(2);
                if (width.equals("*")) {
                    width = used < args.size() ? args.get(used++) : "0";
                }
                String prec = m.group(3);
                if ("*".equals(prec)) {
                    prec = used < args.size() ? args.get(used++) : "0";
                }
                String arg = used < args.size() ? args.get(used++) : null;
                String jfmt = "%" + m.group(1) + width + (prec != null ? "." + prec : "");
                switch (conv) {
                    case 's' -> b.writeBytes(String.format(Locale.ROOT, jfmt + "s", arg == null ? "" : arg).getBytes(StandardCharsets.UTF_8));
                    case 'b' -> {
                        ByteArrayOutputStream x = new ByteArrayOutputStream();
                        boolean cstop = escape(arg == null ? "" : arg, x, true);
                        b.writeBytes(String.format(Locale.ROOT, jfmt + "s", x.toString(StandardCharsets.ISO_8859_1))
                                .getBytes(StandardCharsets.ISO_8859_1));
                        if (cstop) {
                            stop = true;
                        }
                    }
                    case 'c' -> b.writeBytes((arg == null || arg.isEmpty() ? "" : arg.substring(0, 1)).getBytes(StandardCharsets.UTF_8));
                    default -> {
                        long v = 0;
                        if (arg != null && !arg.isEmpty()) {
                            try {
                                v = parseCNumber(arg);
                            } catch (NumberFormatException e) {
                                c.bashErr("printf: " + arg + ": invalid number");
                                status = 1;
                            }
                        }
                        String jconv = switch (conv) {
                            case 'u' -> "d";
                            case 'i' -> "d";
                            default -> String.valueOf(conv);
                        };
                        String numFmt = jfmt.replace(".", ".").replaceAll("\\.\\d*$", "");
                        String s = String.format(Locale.ROOT, numFmt + jconv, (conv == 'u' && v < 0) ? new java.math.BigInteger(Long.toUnsignedString(v)) : v);
                        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (stop) {
                    break;
                }
            }
            if (!stop && escape(fmt.substring(last), b, false)) {
                stop = true;
            }
            if (stop || used == consumedBefore) {
                break;
            }
        } while (used < args.size());
        int w = builtinWrite(c, "printf", b.toByteArray());
        return w != 0 ? w : status;
    }

    private static long parseCNumber(String s) {
        String t = s.strip();
        if (t.length() >= 2 && (t.charAt(0) == '\'' || t.charAt(0) == '"')) {
            return t.charAt(1);
        }
        boolean neg = t.startsWith("-");
        if (neg || t.startsWith("+")) {
            t = t.substring(1);
        }
        long v;
        if (t.startsWith("0x") || t.startsWith("0X")) {
            v = Long.parseUnsignedLong(t.substring(2), 16);
        } else if (t.length() > 1 && t.startsWith("0")) {
            v = Long.parseUnsignedLong(t.substring(1), 8);
        } else {
            v = Long.parseUnsignedLong(t);
        }
        return neg ? -v : v;
    }

    /** set -e / +e / -x / +x / -o errexit. */
    static int set(Ctx c) {
        for (int i = 1; i < c.argv.size(); i++) {
            String a = c.argv.get(i);
            if (a.equals("-o") || a.equals("+o")) {
                boolean on = a.equals("-o");
                if (i + 1 < c.argv.size() && c.argv.get(i + 1).equals("errexit")) {
                    c.sh.setErrexit(on);
                } else if (i + 1 < c.argv.size() && c.argv.get(i + 1).equals("xtrace")) {
                    c.sh.setXtrace(on);
                }
                i++;
                continue;
            }
            if (a.length() < 2 || (a.charAt(0) != '-' && a.charAt(0) != '+')) {
                continue;
            }
            boolean on = a.charAt(0) == '-';
            for (char f : a.substring(1).toCharArray()) {
                switch (f) {
                    case 'e' -> c.sh.setErrexit(on);
                    case 'x' -> c.sh.setXtrace(on);
                    case 'u', 'o', 'f' -> { }
                    default -> {
                        c.bashErr("set: " + a.charAt(0) + f + ": invalid option");
                        return 2;
                    }
                }
            }
        }
        return 0;
    }

    static int exit(Ctx c) {
        int status = c.sh.lastStatus();
        if (c.argv.size() > 1) {
            try {
                status = Integer.parseInt(c.argv.get(1)) & 0xFF;
            } catch (NumberFormatException e) {
                c.bashErr("exit: " + c.argv.get(1) + ": numeric argument required");
                status = 2;
            }
        }
        throw new Shell.Exit(status);
    }

    // ================================================================ coreutils

    /** cat [FILE...]: 128 KiB reads; "cat: FILE: error" per file that fails. */
    static int cat(Ctx c) {
        List<String> files = new ArrayList<>(c.argv.subList(1, c.argv.size()));
        files.removeIf(f -> f.startsWith("-") && f.length() > 1);
        if (files.isEmpty()) {
            files.add("-");
        }
        int status = 0;
        byte[] buf = new byte[128 * 1024];
        for (String f : files) {
            Io.In in;
            try {
                in = c.sh.fs().openRead(f, c.in);
            } catch (ErrnoException e) {
                c.err("cat: " + f + ": " + e.errno().text());
                status = 1;
                continue;
            }
            try {
                int n;
                while (true) {
                    try {
                        n = in.read(buf, 0, buf.length);
                    } catch (ErrnoException e) {
                        c.err("cat: " + f + ": " + e.errno().text());
                        status = 1;
                        break;
                    }
                    if (n < 0) {
                        break;
                    }
                    try {
                        c.out.writeAll(buf, 0, n);
                    } catch (Io.BrokenPipe e) {
                        throw e;
                    } catch (ErrnoException e) {
                        c.err("cat: write error: " + e.errno().text());
                        return 1;
                    }
                }
            } finally {
                if (in != c.in) {
                    in.close();
                }
            }
        }
        return status;
    }

    /** ls [-1aAd] [PATH...]: names one per line (output to a file or pipe), C-locale order. */
    static int ls(Ctx c) {
        List<String> paths = new ArrayList<>();
        boolean dirAsFile = false;
        for (String a : c.argv.subList(1, c.argv.size())) {
            if (a.startsWith("-") && a.length() > 1) {
                if (a.contains("d")) {
                    dirAsFile = true;
                }
                continue;
            }
            paths.add(a);
        }
        if (paths.isEmpty()) {
            paths.add(".");
        }
        int status = 0;
        List<String> fileArgs = new ArrayList<>();
        Map<String, List<String>> dirs = new java.util.TreeMap<>(); // ls sorts its operands too
        for (String p : paths) {
            try {
                if (Io.Fs.isMachinePath(p)) {
                    Machine m = c.machine();
                    if (!dirAsFile && m.stat(p).type() == io.jzram.sysfs.FileStat.Type.DIRECTORY) {
                        List<String> names = new ArrayList<>(m.ls(p));
                        names.sort(null);
                        dirs.put(p, names);
                    } else {
                        m.lstat(p);
                        fileArgs.add(p);
                    }
                } else {
                    Path hp = Path.of(p);
                    if (!Files.exists(hp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw new ErrnoException(Errno.ENOENT, p);
                    }
                    if (!dirAsFile && Files.isDirectory(hp)) {
                        List<String> names = new ArrayList<>();
                        try (var s = Files.list(hp)) {
                            s.forEach(x -> names.add(x.getFileName().toString()));
                        }
                        names.sort(null);
                        dirs.put(p, names);
                    } else {
                        fileArgs.add(p);
                    }
                }
            } catch (ErrnoException e) {
                c.err("ls: cannot access '" + p + "': " + e.errno().text());
                status = 2;
            } catch (IOException e) {
                c.err("ls: cannot open directory '" + p + "': " + Io.errno(e).errno().text());
                status = 2;
            }
        }
        StringBuilder sb = new StringBuilder();
        fileArgs.sort(null);
        for (String f : fileArgs) {
            sb.append(f).append('\n');
        }
        boolean headers = dirs.size() + fileArgs.size() > 1 || (status != 0 && !dirs.isEmpty());
        boolean first = fileArgs.isEmpty();
        for (Map.Entry<String, List<String>> d : dirs.entrySet()) {
            if (headers) {
                if (!first) {
                    sb.append('\n');
                }
                sb.append(d.getKey()).append(":\n");
            }
            first = false;
            for (String n : d.getValue()) {
                sb.append(n).append('\n');
            }
        }
        c.print(sb.toString());
        return status;
    }

    /** head [-c N | -n N] [-q | -v] [FILE...]: with several files, a "==> FILE <==" header before each, as GNU head. */
    static int head(Ctx c) {
        long bytes = -1;
        long lines = 10;
        Boolean headers = null;
        List<String> files = new ArrayList<>();
        for (int i = 1; i < c.argv.size(); i++) {
            String a = c.argv.get(i);
            String v = null;
            char opt = 0;
            if (a.equals("-q") || a.equals("-v")) {
                headers = a.equals("-v");
                continue;
            }
            if (a.startsWith("-c") || a.startsWith("-n")) {
                opt = a.charAt(1);
                v = a.length() > 2 ? a.substring(2) : (i + 1 < c.argv.size() ? c.argv.get(++i) : null);
            } else if (a.matches("-\\d+")) {
                opt = 'n';
                v = a.substring(1);
            } else {
                files.add(a);
                continue;
            }
            long n;
            try {
                n = Dd.parseSize(v == null ? "" : v);
            } catch (NumberFormatException e) {
                c.err("head: invalid number of " + (opt == 'c' ? "bytes" : "lines") + ": '" + v + "'");
                return 1;
            }
            if (opt == 'c') {
                bytes = n;
            } else {
                lines = n;
                bytes = -1;
            }
        }
        if (files.isEmpty()) {
            files.add("-");
        }
        int status = 0;
        boolean printHeaders = headers != null ? headers : files.size() > 1;
        boolean firstHeader = true;
        for (String f : files) {
            Io.In in;
            try {
                in = c.sh.fs().openRead(f, c.in);
            } catch (ErrnoException e) {
                c.err("head: cannot open '" + f + "' for reading: " + e.errno().text());
                status = 1;
                continue;
            }
            try {
                if (printHeaders) {
                    // write_header(): "==> NAME <==", a blank line before every header but the first
                    c.out.writeAll(((firstHeader ? "" : "\n") + "==> " + (f.equals("-") ? "standard input" : f) + " <==\n")
                            .getBytes(StandardCharsets.UTF_8));
                    firstHeader = false;
                }
                byte[] buf = new byte[64 * 1024];
                long left = bytes >= 0 ? bytes : Long.MAX_VALUE;
                long linesLeft = lines;
                while (left > 0 && (bytes >= 0 || linesLeft > 0)) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    int take = n;
                    if (bytes < 0) {
                        for (int k = 0; k < n; k++) {
                            if (buf[k] == '\n' && --linesLeft == 0) {
                                take = k + 1;
                                break;
                            }
                        }
                    }
                    c.out.writeAll(buf, 0, take);
                    left -= take;
                }
            } catch (Io.BrokenPipe e) {
                throw e;
            } catch (ErrnoException e) {
                c.err("head: error reading '" + f + "': " + e.errno().text());
                status = 1;
            } finally {
                if (in != c.in) {
                    in.close();
                }
            }
        }
        return status;
    }

    /** grep [-nvcqiEF] [-A N] [-B N] [-C N] PATTERN [FILE...]: basic regular expressions by default (\| \( \) \{ \} \+ \?). */
    static int grep(Ctx c) {
        int after = 0;
        int before = 0;
        boolean num = false;
        boolean invert = false;
        boolean count = false;
        boolean quiet = false;
        boolean icase = false;
        boolean ere = false;
        boolean fixed = false;
        String pattern = null;
        List<String> files = new ArrayList<>();
        for (int i = 1; i < c.argv.size(); i++) {
            String a = c.argv.get(i);
            if (pattern == null && a.startsWith("-") && a.length() > 1) {
                if (a.equals("-e")) {
                    pattern = i + 1 < c.argv.size() ? c.argv.get(++i) : "";
                    continue;
                }
                if (a.matches("-[ABC]\\d*")) {
                    String v = a.length() > 2 ? a.substring(2) : i + 1 < c.argv.size() ? c.argv.get(++i) : "";
                    int n;
                    try {
                        n = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        c.err("grep: " + v + ": invalid context length argument");
                        return 2;
                    }
                    if (a.charAt(1) != 'B') {
                        after = n;
                    }
                    if (a.charAt(1) != 'A') {
                        before = n;
                    }
                    continue;
                }
                for (char f : a.substring(1).toCharArray()) {
                    switch (f) {
                        case 'n' -> num = true;
                        case 'v' -> invert = true;
                        case 'c' -> count = true;
                        case 'q' -> quiet = true;
                        case 'i' -> icase = true;
                        case 'E' -> ere = true;
                        case 'F' -> fixed = true;
                        case 's', 'H', 'h' -> { }
                        default -> {
                            c.err("grep: invalid option -- '" + f + "'");
                            c.err("Usage: grep [OPTION]... PATTERNS [FILE]...");
                            return 2;
                        }
                    }
                }
            } else if (pattern == null) {
                pattern = a;
            } else {
                files.add(a);
            }
        }
        if (pattern == null) {
            c.err("Usage: grep [OPTION]... PATTERNS [FILE]...");
            return 2;
        }
        Pattern re;
        try {
            String javaRe = fixed ? Pattern.quote(pattern) : ere ? posixClasses(pattern) : breToJava(pattern);
            re = Pattern.compile(javaRe, icase ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            c.err("grep: Invalid regular expression");
            return 2;
        }
        if (files.isEmpty()) {
            files.add("-");
        }
        boolean any = false;
        int status = 0;
        for (String f : files) {
            byte[] data;
            try {
                data = readAll(c.sh.fs().openRead(f, c.in), f.equals("-") ? null : c.in);
            } catch (ErrnoException e) {
                c.err("grep: " + f + ": " + e.errno().text());
                status = 2;
                continue;
            }
            String text = new String(data, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\n", -1);
            int nlines = text.endsWith("\n") ? lines.length - 1 : lines.length;
            long matches = 0;
            StringBuilder sb = new StringBuilder();
            int lastShown = -1;
            int afterLeft = 0;
            for (int k = 0; k < nlines; k++) {
                boolean hit = re.matcher(lines[k]).find() != invert;
                if (!hit) {
                    if (afterLeft > 0 && !count && !quiet) {
                        appendLine(sb, files.size() > 1 ? f : null, num ? k + 1 : -1, '-', lines[k]);
                        lastShown = k;
                        afterLeft--;
                    }
                    continue;
                }
                matches++;
                if (!count && !quiet) {
                    int from = Math.max(lastShown + 1, k - before);
                    if ((before > 0 || after > 0) && lastShown >= 0 && from > lastShown + 1) {
                        sb.append("--\n");
                    }
                    for (int j = from; j < k; j++) {
                        appendLine(sb, files.size() > 1 ? f : null, num ? j + 1 : -1, '-', lines[j]);
                    }
                    appendLine(sb, files.size() > 1 ? f : null, num ? k + 1 : -1, ':', lines[k]);
                    lastShown = k;
                    afterLeft = after;
                }
            }
            if (count && !quiet) {
                sb.append(files.size() > 1 ? f + ":" : "").append(matches).append('\n');
            }
            any |= matches > 0;
            c.out.writeAll(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return status == 2 && !(quiet && any) ? 2 : any ? 0 : 1;
    }

    private static void appendLine(StringBuilder sb, String file, int lineNo, char sep, String text) {
        if (file != null) {
            sb.append(file).append(sep);
        }
        if (lineNo >= 0) {
            sb.append(lineNo).append(sep);
        }
        sb.append(text).append('\n');
    }

    /** POSIX basic regular expression to java.util.regex. */
    static String breToJava(String bre) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bre.length(); i++) {
            char ch = bre.charAt(i);
            if (ch == '\\' && i + 1 < bre.length()) {
                char n = bre.charAt(++i);
                if ("|(){}+?".indexOf(n) >= 0) {
                    sb.append(n);
                } else {
                    sb.append('\\').append(n);
                }
            } else if ("|(){}+?".indexOf(ch) >= 0) {
                sb.append('\\').append(ch);
            } else if (ch == '[') {
                int end = bracketEnd(bre, i);
                sb.append(posixClasses(bre.substring(i, end + 1)));
                i = end;
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static int bracketEnd(String s, int open) {
        int i = open + 1;
        if (i < s.length() && s.charAt(i) == '^') {
            i++;
        }
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
        }
        while (i < s.length() && s.charAt(i) != ']') {
            if (s.startsWith("[:", i)) {
                int e = s.indexOf(":]", i + 2);
                i = e < 0 ? i + 1 : e + 2;
                continue;
            }
            i++;
        }
        return Math.min(i, s.length() - 1);
    }

    private static String posixClasses(String s) {
        return s.replace("[:digit:]", "\\d").replace("[:space:]", "\\s").replace("[:alpha:]", "\\p{Alpha}")
                .replace("[:alnum:]", "\\p{Alnum}").replace("[:upper:]", "\\p{Upper}").replace("[:lower:]", "\\p{Lower}")
                .replace("[:xdigit:]", "\\p{XDigit}").replace("[:punct:]", "\\p{Punct}").replace("[:blank:]", " \\t");
    }

    static byte[] readAll(Io.In in, Io.In dontClose) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
            }
        } finally {
            if (in != dontClose) {
                in.close();
            }
        }
        return out.toByteArray();
    }

    /**
     * cmp [-s] [-n LIMIT] FILE1 FILE2: silent and 0 when equal; "F1 F2 differ: byte N, line M" (1);
     * "cmp: EOF on F after byte N, in line M" (1); trouble 2.
     */
    static int cmp(Ctx c) {
        boolean silent = false;
        long limit = Long.MAX_VALUE;
        List<String> files = new ArrayList<>();
        for (int i = 1; i < c.argv.size(); i++) {
            String a = c.argv.get(i);
            if (a.equals("-s") || a.equals("--silent") || a.equals("--quiet")) {
                silent = true;
            } else if (a.equals("-n") && i + 1 < c.argv.size()) {
                try {
                    limit = Dd.parseSize(c.argv.get(++i));
                } catch (NumberFormatException e) {
                    c.err("cmp: invalid --bytes value '" + c.argv.get(i) + "'");
                    return 2;
                }
            } else if (a.startsWith("--bytes=")) {
                limit = Dd.parseSize(a.substring(8));
            } else {
                files.add(a);
            }
        }
        if (files.size() == 1) {
            files.add("-");
        }
        if (files.size() != 2) {
            c.err("cmp: missing operand after '" + (files.isEmpty() ? "cmp" : files.get(0)) + "'");
            c.err("cmp: Try 'cmp --help' for more information.");
            return 2;
        }
        Io.In a;
        Io.In b;
        try {
            a = c.sh.fs().openRead(files.get(0), c.in);
        } catch (ErrnoException e) {
            c.err("cmp: " + files.get(0) + ": " + e.errno().text());
            return 2;
        }
        try {
            b = c.sh.fs().openRead(files.get(1), c.in);
        } catch (ErrnoException e) {
            c.err("cmp: " + files.get(1) + ": " + e.errno().text());
            a.close();
            return 2;
        }
        try {
            byte[] ba = new byte[64 * 1024];
            byte[] bb = new byte[64 * 1024];
            long offset = 0;
            long line = 1;
            int na = 0;
            int nb = 0;
            int pa = 0;
            int pb = 0;
            boolean eofA = false;
            boolean eofB = false;
            while (offset < limit) {
                if (pa == na && !eofA) {
                    na = a.read(ba, 0, ba.length);
                    pa = 0;
                    if (na < 0) {
                        eofA = true;
                        na = 0;
                    }
                }
                if (pb == nb && !eofB) {
                    nb = b.read(bb, 0, bb.length);
                    pb = 0;
                    if (nb < 0) {
                        eofB = true;
                        nb = 0;
                    }
                }
                boolean endA = eofA && pa == na;
                boolean endB = eofB && pb == nb;
                if (endA || endB) {
                    if (endA && endB) {
                        return 0;
                    }
                    if (!silent) {
                        String f = endA ? files.get(0) : files.get(1);
                        c.err(offset == 0 ? "cmp: EOF on " + f + " which is empty"
                                : "cmp: EOF on " + f + " after byte " + offset + ", in line " + line);
                    }
                    return 1;
                }
                while (pa < na && pb < nb && offset < limit) {
                    if (ba[pa] != bb[pb]) {
                        if (!silent) {
                            c.print(files.get(0) + " " + files.get(1) + " differ: byte " + (offset + 1) + ", line " + line + "\n");
                        }
                        return 1;
                    }
                    if (ba[pa] == '\n') {
                        line++;
                    }
                    pa++;
                    pb++;
                    offset++;
                }
            }
            return 0;
        } catch (ErrnoException e) {
            c.err("cmp: " + e.errno().text());
            return 2;
        } finally {
            if (a != c.in) {
                a.close();
            }
            if (b != c.in) {
                b.close();
            }
        }
    }

    /** sleep N[smhd]...: fractions allowed. */
    static int sleep(Ctx c) {
        if (c.argv.size() < 2) {
            c.err("sleep: missing operand");
            c.err("Try 'sleep --help' for more information.");
            return 1;
        }
        double total = 0;
        for (String a : c.argv.subList(1, c.argv.size())) {
            Double s = seconds(a);
            if (s == null) {
                c.err("sleep: invalid time interval '" + a + "'");
                c.err("Try 'sleep --help' for more information.");
                return 1;
            }
            total += s;
        }
        try {
            Thread.sleep((long) (total * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
        return 0;
    }

    static Double seconds(String a) {
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)([smhd]?)").matcher(a);
        if (!m.matches()) {
            return null;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "m" -> v * 60;
            case "h" -> v * 3600;
            case "d" -> v * 86400;
            default -> v;
        };
    }

    /**
     * timeout DURATION COMMAND [ARGS]: runs the command; when it is still running at the deadline
     * its thread is interrupted (the emulated kernel's sleeps end with EINTR) and the status is 124.
     */
    static int timeout(Ctx c) {
        if (c.argv.size() < 3) {
            c.err("timeout: missing operand");
            c.err("Try 'timeout --help' for more information.");
            return 125;
        }
        Double s = seconds(c.argv.get(1));
        if (s == null) {
            c.err("timeout: invalid time interval '" + c.argv.get(1) + "'");
            return 125;
        }
        List<String> cmd = new ArrayList<>(c.argv.subList(2, c.argv.size()));
        int[] status = {0};
        Thread t = new Thread(() -> status[0] = c.sh.exec(cmd, c.in, c.out, c.err, c.line), "sh-timeout");
        t.setDaemon(true);
        t.start();
        try {
            t.join((long) (s * 1000));
            if (t.isAlive()) {
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(5));
                return 124;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            return 130;
        }
        return status[0];
    }

    // ================================================================ util-linux, kmod, dmesg

    /** blkdiscard [-o OFFSET] [-l LENGTH] [-z] [-f] [-v] DEVICE. */
    static int blkdiscard(Ctx c) {
        long offset = 0;
        long length = -1;
        boolean zero = false;
        String dev = null;
        for (int i = 1; i < c.argv.size(); i++) {
            String a = c.argv.get(i);
            try {
                if (a.equals("-o") || a.equals("--offset")) {
                    offset = Dd.parseSize(c.argv.get(++i));
                } else if (a.equals("-l") || a.equals("--length")) {
                    length = Dd.parseSize(c.argv.get(++i));
                } else if (a.equals("-z") || a.equals("--zeroout")) {
                    zero = true;
                } else if (a.startsWith("-")) {
                    continue;
                } else {
                    dev = a;
                }
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                c.err("blkdiscard: invalid argument: '" + a + "'");
                return 1;
            }
        }
        if (dev == null) {
            c.err("blkdiscard: no device specified");
            c.err("Try 'blkdiscard --help' for more information.");
            return 1;
        }
        Machine m = c.machine();
        io.jzram.kernel.block.BlockDevice bdev;
        try (io.jzram.sysfs.MachineFile f = m.open(dev, io.jzram.sysfs.OpenFlag.WRONLY)) {
            bdev = f.blockDevice();
            long size = bdev.capacity();
            int secsize = bdev.logicalBlockSize();
            if (offset % secsize != 0) {
                c.err("blkdiscard: " + dev + ": offset " + offset + " is not aligned to sector size " + secsize);
                return 1;
            }
            if (offset > size) {
                c.err("blkdiscard: " + dev + ": offset " + offset + " is greater than device size " + size);
                return 1;
            }
            long len = length < 0 ? size - offset : Math.min(length, size - offset);
            if (len % secsize != 0) {
                c.err("blkdiscard: " + dev + ": length " + len + " is not aligned to sector size " + secsize);
                return 1;
            }
            if (zero) {
                bdev.writeZeroes(offset, len);
            } else {
                bdev.discard(offset, len);
            }
            return 0;
        } catch (ErrnoException e) {
            c.err("blkdiscard: cannot open " + dev + ": " + e.errno().text());
            return 1;
        } catch (IOException e) {
            Errno en = e instanceof io.jzram.kernel.ErrnoIOException x ? x.errno() : Errno.EIO;
            c.err("blkdiscard: " + dev + ": " + (zero ? "BLKZEROOUT" : "BLKDISCARD") + " ioctl failed: " + en.text());
            return 1;
        }
    }

    /** modprobe [-r] [-q] NAME [PARAM=VALUE...]. */
    static int modprobe(Ctx c) {
        boolean remove = false;
        boolean quiet = false;
        String name = null;
        List<String> params = new ArrayList<>();
        for (String a : c.argv.subList(1, c.argv.size())) {
            if (name == null && a.startsWith("-")) {
                remove |= a.equals("-r") || a.equals("--remove") || a.matches("-[a-z]*r[a-z]*");
                quiet |= a.equals("-q") || a.equals("--quiet") || a.matches("-[a-z]*q[a-z]*");
                continue;
            }
            if (name == null) {
                name = a.replace('-', '_');
            } else {
                params.add(a);
            }
        }
        if (name == null) {
            c.err("modprobe: ERROR: missing parameters. See -h.");
            return 1;
        }
        Machine m = c.machine();
        if (remove) {
            try {
                m.rmmod(name);
                return 0;
            } catch (ErrnoException e) {
                if (!quiet || e.errno() != Errno.ENOENT) {
                    c.err(e.errno() == Errno.EWOULDBLOCK ? "modprobe: FATAL: Module " + name + " is in use."
                            : e.errno() == Errno.ENOENT ? "modprobe: FATAL: Module " + name + " is not currently loaded"
                            : "modprobe: FATAL: could not remove module " + name + ": " + e.errno().text());
                }
                return 1;
            }
        }
        if (!m.modules().isAvailable(name)) {
            if (!quiet) {
                c.err("modprobe: FATAL: Module " + name + " not found in directory /lib/modules/" + m.kernel().release());
            }
            return 1;
        }
        try {
            m.modprobe(name, params.toArray(new String[0]));
            return 0;
        } catch (ErrnoException e) {
            c.err("modprobe: ERROR: could not insert '" + name + "': " + e.errno().text());
            return 1;
        }
    }

    /** rmmod NAME...: delete_module with O_NONBLOCK. */
    static int rmmod(Ctx c) {
        int status = 0;
        List<String> names = new ArrayList<>();
        for (String a : c.argv.subList(1, c.argv.size())) {
            if (!a.startsWith("-")) {
                names.add(a.replace('-', '_'));
            }
        }
        if (names.isEmpty()) {
            c.err("rmmod: ERROR: missing module name.");
            return 1;
        }
        for (String n : names) {
            try {
                c.machine().rmmod(n);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    c.err("rmmod: ERROR: Module " + n + " is not currently loaded");
                } else if (e.errno() == Errno.EWOULDBLOCK) {
                    c.err("rmmod: ERROR: Module " + n + " is in use");
                } else {
                    c.err("rmmod: ERROR: could not remove module " + n + ": " + e.errno().text());
                }
                status = 1;
            }
        }
        return status;
    }

    /** lsmod: kmod's table of /proc/modules. */
    static int lsmod(Ctx c) {
        if (c.argv.size() > 1) {
            c.err("Usage: lsmod");
            return 1;
        }
        c.print(ProcModules.lsmod(c.machine().modules()));
        return 0;
    }

    /** dmesg [-c] [-C] [-t]: the kernel log, "[seconds.micros] text" per line. */
    static int dmesg(Ctx c) {
        boolean clear = false;
        boolean print = true;
        boolean noTime = false;
        for (String a : c.argv.subList(1, c.argv.size())) {
            switch (a) {
                case "-c", "--read-clear" -> clear = true;
                case "-C", "--clear" -> {
                    clear = true;
                    print = false;
                }
                case "-t", "--notime" -> noTime = true;
                default -> {
                    c.err("dmesg: invalid option -- '" + a.replaceFirst("^-+", "") + "'");
                    return 1;
                }
            }
        }
        KernelLog log = c.machine().kernel().log();
        if (print) {
            StringBuilder sb = new StringBuilder();
            for (KernelLog.Record r : log.since(0)) {
                sb.append(noTime ? r.text() : r.format()).append('\n');
            }
            c.print(sb.toString());
        }
        if (clear) {
            log.clear();
        }
        return 0;
    }
}
