// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import io.jzram.kernel.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands that talk to a running {@code jzram serve} over its control plane. Each answers as
 * the tool it stands for would: cat(1), a shell's {@code printf %s VALUE > PATH}, ls(1), dmesg(1),
 * kmod's modprobe/rmmod/lsmod, util-linux chcpu(8): the same messages (with "jzram NAME" as the
 * program name) and exit statuses.
 */
public final class ClientCommands {

    private ClientCommands() {
    }

    /** Shared parts: the server's port, the output streams, error printing. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        ServerOptions server = new ServerOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        String prog() {
            return "jzram " + spec.name();
        }

        /** Prints "jzram NAME: message" to stderr. */
        void warn(String message) {
            err().println(prog() + ": " + message);
            err().flush();
        }

        ControlClient client() {
            return server.client();
        }

        @Override
        public final Integer call() {
            try {
                return run(client());
            } catch (ControlClient.ErrnoReply e) {
                warn(e.detail());
                return 1;
            } catch (IOException e) {
                warn(e.getMessage());
                return 1;
            } finally {
                out().flush();
                err().flush();
            }
        }

        abstract int run(ControlClient c) throws IOException;
    }

    /** cat(1) of machine files. */
    @Command(name = "cat", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:a file could not be read, the server did not answer, or bad usage (as cat)"},
            description = "Print files of the running server's machine (sysfs show), e.g. /sys/block/zram0/mm_stat.")
    public static final class Cat extends Base {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        int run(ControlClient c) throws IOException {
            int rc = 0;
            for (String p : paths) {
                try {
                    out().print(c.read(p));
                } catch (ControlClient.ErrnoReply e) {
                    out().flush();
                    warn(p + ": " + e.text());
                    rc = 1;
                }
            }
            return rc;
        }
    }

    /** printf '%s' VALUE > PATH: one store. */
    @Command(name = "write", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:the open or the write failed, the server did not answer, or bad usage (as the shell)"},
            description = {"Store VALUE into a machine file with one write(2), as `printf %%s VALUE > PATH`.",
                "Example: jzram write /sys/block/zram0/disksize 1G"})
    public static final class Write extends Base {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Option(names = "--newline", description = "append a newline, as echo does")
        boolean newline;

        @Override
        int run(ControlClient c) throws IOException {
            try {
                c.write(path, (newline ? value + "\n" : value).getBytes(StandardCharsets.UTF_8));
                return 0;
            } catch (ControlClient.ErrnoReply e) {
                // a shell: "PATH: No such file or directory" when the open fails, "write error: ..." when the store does
                warn(e.phase().equals("write") ? path + ": write error: " + e.text() : path + ": " + e.text());
                return 1;
            }
        }
    }

    /** ls(1) of a machine directory. */
    @Command(name = "ls", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 2,
            exitCodeList = {"0:success", "1:the server did not answer", "2:PATH cannot be listed, or bad usage (as ls)"},
            description = "List a directory of the running server's machine, e.g. /sys/block.")
    public static final class Ls extends Base {
        @Parameters(arity = "1", paramLabel = "PATH")
        String path;

        @Override
        int run(ControlClient c) throws IOException {
            try {
                for (String n : c.list(path)) {
                    out().println(n);
                }
                return 0;
            } catch (ControlClient.ErrnoReply e) {
                warn("cannot access '" + path + "': " + e.text());
                return 2;
            }
        }
    }

    /** dmesg(1). */
    @Command(name = "dmesg", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:the server did not answer, or bad usage (as dmesg)"},
            description = "Print (or clear) the running server's kernel log.")
    public static final class Dmesg extends Base {
        @Option(names = {"-C", "--clear"}, description = "clear the ring buffer")
        boolean clear;

        @Option(names = {"-c", "--read-clear"}, description = "print, then clear the ring buffer")
        boolean readClear;

        @Override
        int run(ControlClient c) throws IOException {
            if (!clear) {
                out().print(new String(c.get("/dmesg").body(), StandardCharsets.UTF_8));
            }
            if (clear || readClear) {
                c.request("DELETE", "/dmesg", null);
            }
            return 0;
        }
    }

    /** kmod's modprobe (and modprobe -r). */
    @Command(name = "modprobe", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:the module could not be loaded or removed, the server did not answer, or bad usage (as kmod)"},
            description = {"Load a module of the running server's machine, e.g. jzram modprobe zram num_devices=4.",
                "A module that is loaded already is left as it is."})
    public static final class Modprobe extends Base {
        @Option(names = {"-r", "--remove"}, description = "remove the module instead")
        boolean remove;

        @Parameters(index = "0", paramLabel = "MODULE")
        String module;

        @Parameters(index = "1..*", paramLabel = "PARAM", description = "key=value module parameters")
        List<String> params = new ArrayList<>();

        @Override
        int run(ControlClient c) throws IOException {
            try {
                if (remove) {
                    c.request("DELETE", "/modules/" + enc(module), null);
                } else {
                    StringBuilder q = new StringBuilder();
                    for (String p : params) {
                        int eq = p.indexOf('=');
                        q.append(q.length() == 0 ? "?" : "&");
                        q.append(eq < 0 ? enc(p) : enc(p.substring(0, eq)) + "=" + enc(p.substring(eq + 1)));
                    }
                    c.request("POST", "/modules/" + enc(module) + q, null);
                }
                return 0;
            } catch (ControlClient.ErrnoReply e) {
                if (remove) {
                    warn(e.errno() == Errno.EAGAIN ? "FATAL: Module " + module + " is in use."
                            : e.errno() == Errno.ENOENT ? "FATAL: Module " + module + " is not currently loaded."
                            : "FATAL: could not remove module " + module + ": " + e.text());
                } else if (e.errno() == Errno.ENOENT && e.phase().equals("modprobe") && e.detail().contains("not found")) {
                    warn("FATAL: " + e.detail());
                } else {
                    warn("ERROR: could not insert '" + module + "': " + e.text());
                }
                return 1;
            }
        }
    }

    /** kmod's rmmod. */
    @Command(name = "rmmod", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:a module could not be removed, the server did not answer, or bad usage (as kmod)"},
            description = "Unload a module of the running server's machine, e.g. jzram rmmod zram.")
    public static final class Rmmod extends Base {
        @Parameters(arity = "1..*", paramLabel = "MODULE")
        List<String> modules;

        @Override
        int run(ControlClient c) throws IOException {
            int rc = 0;
            for (String m : modules) {
                try {
                    c.request("DELETE", "/modules/" + enc(m), null);
                } catch (ControlClient.ErrnoReply e) {
                    if (e.errno() == Errno.ENOENT) {
                        warn("ERROR: Module " + m + " is not currently loaded");
                    } else if (e.errno() == Errno.EAGAIN) {
                        warn("ERROR: Module " + m + " is in use");
                    } else {
                        warn("ERROR: could not remove module " + m + ": " + e.text());
                    }
                    rc = 1;
                }
            }
            return rc;
        }
    }

    /** lsmod. */
    @Command(name = "lsmod", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:success", "1:the server did not answer, or bad usage (as kmod)"},
            description = "List the running server's loaded modules.")
    public static final class Lsmod extends Base {
        @Override
        int run(ControlClient c) throws IOException {
            out().print(c.get("/modules").text());
            return 0;
        }
    }

    /** chcpu -e/-d: CPU online/offline through cpuN/online. */
    @Command(name = "cpu", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
            exitCodeList = {"0:every CPU done", "1:all failed, the server did not answer, or bad usage", "64:some failed (as chcpu)"},
            description = {"Bring CPUs of the running server's machine online or offline, as chcpu -e/-d does.",
                "CPUS is a list such as 1 or 1,3-5."})
    public static final class Cpu extends Base {
        /** chcpu's partial-success status. */
        static final int SOME_OK = 64;

        @Parameters(index = "0", paramLabel = "online|offline")
        String action;

        @Parameters(index = "1", paramLabel = "CPUS")
        String cpus;

        @Override
        int run(ControlClient c) throws IOException {
            boolean enable;
            if (action.equals("online")) {
                enable = true;
            } else if (action.equals("offline")) {
                enable = false;
            } else {
                warn("unknown action '" + action + "' (online or offline)");
                return 1;
            }
            BitSet set;
            try {
                set = cpuList(cpus);
            } catch (IllegalArgumentException e) {
                warn("failed to parse CPU list: " + cpus);
                return 1;
            }
            String sys = "/sys/devices/system/cpu/";
            int maxcpus = cpuList(c.read(sys + "possible").strip()).length();
            int fails = 0;
            for (int cpu = set.nextSetBit(0); cpu >= 0; cpu = set.nextSetBit(cpu + 1)) {
                if (!exists(c, sys + "cpu" + cpu)) {
                    warn("CPU " + cpu + " does not exist");
                    fails++;
                    continue;
                }
                String online;
                try {
                    online = c.read(sys + "cpu" + cpu + "/online").strip();
                } catch (ControlClient.ErrnoReply e) {
                    warn("CPU " + cpu + " is not hot pluggable");
                    fails++;
                    continue;
                }
                if (online.equals("1") && enable) {
                    out().println("CPU " + cpu + " is already enabled");
                    continue;
                }
                if (online.equals("0") && !enable) {
                    out().println("CPU " + cpu + " is already disabled");
                    continue;
                }
                if (!enable && cpuList(c.read(sys + "online").strip()).cardinality() == 1) {
                    warn("CPU " + cpu + " disable failed (last enabled CPU)");
                    fails++;
                    continue;
                }
                try {
                    c.write(sys + "cpu" + cpu + "/online", (enable ? "1" : "0").getBytes(StandardCharsets.US_ASCII));
                    out().println("CPU " + cpu + (enable ? " enabled" : " disabled"));
                } catch (ControlClient.ErrnoReply e) {
                    out().flush();
                    warn("CPU " + cpu + (enable ? " enable" : " disable") + " failed: " + e.text());
                    fails++;
                }
            }
            return fails == 0 ? 0 : fails == maxcpus ? 1 : SOME_OK;
        }

        private static boolean exists(ControlClient c, String path) throws IOException {
            try {
                c.get(ControlClient.encodePath(path));
                return true;
            } catch (ControlClient.ErrnoReply e) {
                return false;
            }
        }

        /** The kernel's CPU list format: 0-3,5 (an empty string is the empty set). */
        static BitSet cpuList(String s) {
            BitSet b = new BitSet();
            if (s.isEmpty()) {
                return b;
            }
            for (String part : s.split(",")) {
                int dash = part.indexOf('-');
                try {
                    int lo = Integer.parseInt(dash < 0 ? part.trim() : part.substring(0, dash).trim());
                    int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1).trim());
                    if (lo < 0 || hi < lo || hi > 8191) {
                        throw new IllegalArgumentException(part);
                    }
                    b.set(lo, hi + 1);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(part, e);
                }
            }
            return b;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
