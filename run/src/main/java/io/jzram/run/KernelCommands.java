// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.shell.Shell;
import io.jzram.sysfs.Machine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The commands whose real binaries the run covers with wrapper scripts, run on the emulated machine
 * through the shell module ({@link Shell#runLine}, outputs captured), so that their messages and
 * exit statuses are exactly {@code jzram sh}'s, which are kmod's and util-linux's: modprobe, rmmod,
 * lsmod, kmod list, dmesg; insmod has no module file to load here and answers as kmod does for a
 * missing one. A module removal (rmmod, modprobe -r) first holds every emulated disk whose real
 * device is in use ({@link ZramDevices#holdAll}), so that the loader itself answers "in use"; after
 * any command the real devices are brought in step ({@link ZramDevices#sync}).
 *
 * <p>Threading: called concurrently from FUSE workers; each call has its own shell.
 */
final class KernelCommands implements Function<List<String>, ControlFileSystem.Reply> {
    /** The names the wrappers cover. */
    static final Set<String> NAMES = Set.of("modprobe", "rmmod", "lsmod", "insmod", "kmod", "dmesg");

    private final Machine machine;
    private final ZramDevices devices;

    KernelCommands(Machine machine, ZramDevices devices) {
        this.machine = machine;
        this.devices = devices;
    }

    @Override
    public ControlFileSystem.Reply apply(List<String> argv) {
        String name = argv.get(0);
        List<String> args = argv.subList(1, argv.size());
        if (name.equals("kmod")) {
            if (args.isEmpty() || !args.get(0).equals("list")) {
                return new ControlFileSystem.Reply("", "kmod: ERROR: jzram run emulates only 'kmod list'\n", 1);
            }
            return run("lsmod", List.of());
        }
        if (name.equals("insmod")) {
            String file = args.stream().filter(a -> !a.startsWith("-")).findFirst().orElse("");
            if (file.isEmpty()) {
                return new ControlFileSystem.Reply("", "insmod: ERROR: missing filename.\n", 1);
            }
            return new ControlFileSystem.Reply("", "insmod: ERROR: could not load module " + file + ": No such file or directory\n", 1);
        }
        if (!NAMES.contains(name)) {
            return new ControlFileSystem.Reply("", "jzram run: " + name + " is not emulated\n", 127);
        }
        boolean removal = name.equals("rmmod")
                || name.equals("modprobe") && args.stream().anyMatch(a -> a.equals("-r") || a.equals("--remove") || a.matches("-[a-z]*r[a-z]*"));
        AutoCloseable holds = removal ? devices.holdAll() : () -> { };
        try {
            return run(name, args);
        } finally {
            try {
                holds.close();
            } catch (Exception e) {
                // a hold is a MachineFile: its close does not fail
            }
            devices.sync();
        }
    }

    private ControlFileSystem.Reply run(String name, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Shell sh = Shell.builder(machine).out(out).err(err).build();
        String line = name + (args.isEmpty() ? "" : " " + args.stream().map(ControlFileSystem::quote).collect(Collectors.joining(" ")));
        int status = sh.runLine(line);
        return new ControlFileSystem.Reply(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), status);
    }
}
