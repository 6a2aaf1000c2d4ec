// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import io.jzram.kernel.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jzram status}: util-linux {@code zramctl}'s status table of the running server's zram
 * devices (see {@link ZramctlTable}), with zramctl's options {@code -b}, {@code -o},
 * {@code --output-all}, {@code --raw}, {@code -n} and an optional device. Like zramctl it lists
 * the devices with a non-zero disksize in the order readdir(/dev) gives on devtmpfs (newest node
 * first, i.e. by descending {@code diskseq}), and exits 1 with zramctl's messages.
 */
@Command(name = "status", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
        exitCodeList = {"0:success", "1:failure: no such device or column, the server did not answer, or bad usage (as zramctl)"},
        description = {"zramctl's status table of the running server's zram devices.", "",
            "Columns (for --output): NAME DISKSIZE DATA COMPR ALGORITHM STREAMS ZERO-PAGES TOTAL MEM-LIMIT "
                    + "MEM-USED MIGRATED MOUNTPOINT COMP-RATIO"})
public final class StatusCommand implements Callable<Integer> {

    private static final Pattern ZRAM = Pattern.compile("zram(\\d+)");

    @Mixin
    ServerOptions server = new ServerOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-b", "--bytes"}, description = "print sizes in bytes rather than in human readable format")
    boolean bytes;

    @Option(names = {"-o", "--output"}, paramLabel = "<list>", description = "columns to use for status output")
    List<String> output = new ArrayList<>();

    @Option(names = "--output-all", description = "output all columns")
    boolean outputAll;

    @Option(names = "--raw", description = "use raw status output format")
    boolean raw;

    @Option(names = {"-n", "--noheadings"}, description = "don't print headings")
    boolean noHeadings;

    @Parameters(arity = "0..1", paramLabel = "<device>", description = "one device, e.g. /dev/zram0")
    String device;

    private final SysfsSource fixedSource;

    public StatusCommand() {
        this(null);
    }

    /** A status command reading the given source instead of a server (tests). */
    public StatusCommand(SysfsSource source) {
        this.fixedSource = source;
    }

    private record Dev(String devname, String name, long diskseq) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String prog = "jzram status";
        List<ZramctlTable.Column> columns = new ArrayList<>();
        if (outputAll) {
            columns.addAll(ZramctlTable.ALL_COLUMNS);
        }
        for (String list : output) {
            columns.clear();
            for (String name : list.split(",")) {
                Optional<ZramctlTable.Column> c = ZramctlTable.Column.byName(name);
                if (c.isEmpty()) {
                    err.println(prog + ": unknown column: " + name);
                    err.flush();
                    return 1;
                }
                columns.add(c.get());
            }
        }
        if (columns.isEmpty()) {
            columns.addAll(ZramctlTable.DEFAULT_COLUMNS);
        }
        SysfsSource src = fixedSource != null ? fixedSource : server.client();
        ZramctlTable table = new ZramctlTable(columns, bytes, raw, noHeadings);
        try {
            if (device != null) {
                String name = device.startsWith("/dev/") ? device.substring(5) : device;
                if (!exists(src, name)) {
                    err.println(prog + ": " + device + ": " + Errno.ENODEV.text());
                    err.flush();
                    return 1;
                }
                // zramctl <device> shows the device even when it has no disksize
                table.add(read(src, device, name));
            } else {
                List<Dev> devs = new ArrayList<>();
                for (String n : src.list("/dev")) {
                    Matcher m = ZRAM.matcher(n);
                    if (!m.matches() || !exists(src, n)) {
                        continue;
                    }
                    Optional<String> size = optional(src, "/sys/block/" + n + "/disksize");
                    if (size.isEmpty() || parse(size.get()) <= 0) {
                        continue; // zram_used(): disksize > 0
                    }
                    long seq = optional(src, "/sys/block/" + n + "/diskseq").map(StatusCommand::parse).orElse(0L);
                    devs.add(new Dev("/dev/" + n, n, seq));
                }
                devs.sort(Comparator.comparingLong(Dev::diskseq).reversed().thenComparing(Dev::name));
                for (Dev d : devs) {
                    table.add(read(src, d.devname(), d.name()));
                }
            }
        } catch (IOException e) {
            err.println(prog + ": " + e.getMessage());
            err.flush();
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(prog + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        out.print(table.render());
        out.flush();
        return 0;
    }

    private static long parse(String s) {
        try {
            return Long.parseUnsignedLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean exists(SysfsSource src, String name) throws IOException {
        try {
            src.read("/sys/block/" + name + "/dev");
            return true;
        } catch (ControlClient.ErrnoReply e) {
            return false;
        }
    }

    /** A file's content, or empty when the kernel refuses (absent attribute, device going away). */
    private static Optional<String> optional(SysfsSource src, String path) throws IOException {
        try {
            return Optional.of(src.read(path));
        } catch (ControlClient.ErrnoReply e) {
            return Optional.empty();
        }
    }

    private static ZramctlTable.Device read(SysfsSource src, String devname, String name) throws IOException {
        String dir = "/sys/block/" + name + "/";
        return new ZramctlTable.Device(devname, optional(src, dir + "disksize").orElse(null),
                optional(src, dir + "comp_algorithm").orElse(null), optional(src, dir + "mm_stat").orElse(null),
                optional(src, dir + "max_comp_streams").orElse(null), null);
    }
}
