// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.BlockFileSystem;
import io.jzram.fuse.FuseMount;
import io.jzram.fuse.FuseOptions;
import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.PrivateMountNamespace;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.module.Module;
import io.jzram.shell.ProcModules;
import io.jzram.storm.DeadlockBreaker;
import io.jzram.storm.KernelLogWatch;
import io.jzram.storm.MachineVerdict;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.ZramDriver;
import io.jzram.sysfs.zram.ZramDriverHook;
import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The inner process of {@code jzram run}, in its private mount namespace: boots the machine, builds
 * the namespace's view (in this order, each step undone in reverse at the end):
 * <ol>
 *   <li>a tmpfs on the scratch directory the outer process made (the FUSE mount points and the
 *       wrapper scripts live there);
 *   <li>the block FUSE file system ({@link BlockFileSystem}: the loop devices' backing files);
 *   <li>the FUSE sysfs ({@link SysfsFileSystem}) over /sys, with the host's /sys/fs bound back;
 *   <li>a tmpfs over /dev with the host's nodes and submounts ({@link DevTree}), without the
 *       host's zram devices, and the machine's disks as loop-backed nodes ({@link ZramDevices});
 *   <li>the control FUSE file system ({@link ControlFileSystem}) and wrapper scripts for modprobe,
 *       rmmod, lsmod, insmod, kmod and dmesg, bound over the real binaries where the host has
 *       them and first on the command's PATH;
 * </ol>
 * then runs the command with the terminal and environment it was given, waits for it, and tears
 * down: the rest of the namespace's processes are killed, swap on its devices is turned off, mounts
 * of them are detached, the loop devices detached, the mounts undone, the machine unloaded and
 * judged ({@link MachineVerdict}, the storm's). Exit status: the command's, or 1 when it succeeded
 * and the verdict did not.
 *
 * <p>Threading: the main thread sets up, waits and tears down; FUSE workers serve the mounts; a
 * poller syncs the devices every 100 ms; a {@link DeadlockBreaker} interrupts tasks stuck in the
 * emulated kernel longer than the hung-task timeout (their system call then fails with EINTR).
 */
final class Inside {
    private static final Path SYS = Path.of("/sys");
    private static final List<String> BIN_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private final RunOptions o;
    private final Path scratch;
    private final Ledger ledger;
    private final PrintStream err;
    private final Deque<AutoCloseable> undo = new ArrayDeque<>();
    private final List<ZramDriver> drivers = new CopyOnWriteArrayList<>();
    private Machine machine;
    private ZramDevices devices;
    private HostView host;

    Inside(RunOptions o, Path scratch, Ledger ledger, PrintStream err) {
        this.o = o;
        this.scratch = scratch;
        this.ledger = ledger;
        this.err = err;
    }

    private void warn(String s) {
        err.println("jzram run: " + s);
        err.flush();
    }

    int run() {
        PrivateMountNamespace pns = PrivateMountNamespace.create();
        if (!pns.isInside()) {
            warn("refusing to mount: not in a private mount namespace");
            return 2;
        }
        String ns = PrivateMountNamespace.currentNamespace();
        ledger.record("ns", ns);
        long nativeBefore = MachineVerdict.nativeBytes();
        ZramKconfig kconfig = o.kconfig().equals("real") ? ZramKconfig.realKernel() : ZramKconfig.full();
        machine = Machine.builder().cpus(o.cpus()).lockdep(o.lockdep()).zramFixes(ZramFixes.parse(o.fixes())).zramKconfig(kconfig)
                .seed(o.seed()).hungTaskTimeout(o.hungTaskTimeout()).build();
        machine.zram().setHook(ZramDriverHook.EXIT_START, site -> {
            if (!drivers.contains(site.driver())) {
                drivers.add(site.driver());
            }
        });
        KernelLogWatch logWatch = new KernelLogWatch(machine.kernel().log());
        DeadlockBreaker breaker = new DeadlockBreaker(machine.kernel(), o.hungTaskTimeout(), t -> true).evidence(logWatch::bugEvidence).start();
        int status;
        Process cmd = null;
        try {
            if (o.zram()) {
                machine.modprobe("zram", "num_devices=" + o.devices());
            }
            setUp(ns);
            cmd = start();
            ledger.record("cmd", Long.toString(cmd.pid()));
            status = cmd.waitFor();
        } catch (IOException | RuntimeException e) {
            warn("setting up the namespace failed: " + e);
            status = 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 130;
        } finally {
            tearDown(ns);
        }
        breaker.close();
        String finalUnload = finalUnload();
        ZramDriver last = machine.zram().lastDriver();
        if (last != null && !drivers.contains(last)) {
            drivers.add(last);
        }
        MachineVerdict v = MachineVerdict.judge(machine.kernel(), drivers, nativeBefore, finalUnload, breaker, logWatch, 0);
        report(v, status, cmd != null);
        machine.close();
        if (status != 0) {
            return status;
        }
        return v.violations().isEmpty() ? 0 : 1;
    }

    // ---------------------------------------------------------------- setting up

    private void setUp(String ns) throws IOException {
        HostView host = HostView.open();
        this.host = host;
        undo.push(host);
        Mounts.mountTmpfs(scratch, "mode=755,size=1m");
        undo.push(() -> Mounts.detach(scratch));
        Path blockDir = Files.createDirectory(scratch.resolve("block"));
        Path ctlDir = Files.createDirectory(scratch.resolve("ctl"));
        Path bin = Files.createDirectory(scratch.resolve("bin"));

        BlockFileSystem blockFs = new BlockFileSystem();
        FuseMount blockMount = FuseMount.mount(blockDir, blockFs, FuseOptions.builder().subtype("jzram-block").threads(4).build());
        undo.push(blockMount);

        Set<String> hostZram = hostZramDevices(host);
        SysfsFileSystem sysfs = new SysfsFileSystem(machine, new SysfsFileSystem.Hooks() {
            @Override
            public AutoCloseable beforeStore(String path, byte[] data) {
                ZramDevices d = devices;
                String disk = storeTarget(path, data);
                return d == null || disk == null ? () -> { } : d.hold(disk);
            }

            @Override
            public void after(String path, boolean store) {
                ZramDevices d = devices;
                if (d != null && (store || path.endsWith("/hot_add"))) {
                    d.sync();
                }
            }

            @Override
            public Map<String, String> blockLinks() {
                ZramDevices d = devices;
                return d == null ? Map.of() : d.links();
            }
        });
        FuseMount sysMount = FuseMount.mount(SYS, sysfs, FuseOptions.builder().source("sysfs").subtype("jzram-sysfs").threads(8).build());
        undo.push(sysMount);
        Path hostFs = host.sys().resolve("fs");
        if (Files.isDirectory(hostFs)) {
            Mounts.bind(hostFs, SYS.resolve("fs"), true);
            undo.push(() -> Mounts.detach(SYS.resolve("fs")));
        }

        DevTree dev = DevTree.mount(host.dev(), n -> n.name().matches("zram\\d+") || hostZram.contains(n.major() + ":" + n.minor())
                && (n.type() == 'b'));
        undo.push(() -> {
            List<MountEntry> under = Mounts.under(Path.of("/dev"));
            for (int i = under.size() - 1; i >= 0; i--) {
                Mounts.detach(under.get(i).mountPoint());
            }
        });
        devices = new ZramDevices(machine, blockFs, blockDir, host, dev, ledger, ns, this::warn);
        undo.push(devices);
        devices.sync();

        ControlFileSystem ctl = new ControlFileSystem(new KernelCommands(machine, devices), () -> ProcModules.text(machine.modules()));
        undo.push(FuseMount.mount(ctlDir, ctl, FuseOptions.builder().subtype("jzram-ctl").threads(4).build()));
        wrappers(bin, ctlDir.resolve("ctl"));

        Thread poller = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                devices.sync();
            }
        }, "zram-devices-poller");
        poller.setDaemon(true);
        poller.start();
        undo.push(() -> {
            poller.interrupt();
            poller.join(5_000);
        });
    }

    /** The disk a store to {@code path} is about: reset/disksize of zramN, hot_remove of N; else null. */
    static String storeTarget(String path, byte[] data) {
        if (path.endsWith("/hot_remove")) {
            String v = new String(data, StandardCharsets.ISO_8859_1).strip();
            return v.matches("\\d+") ? "zram" + Integer.parseInt(v) : null;
        }
        if (path.endsWith("/reset") || path.endsWith("/disksize")) {
            String dir = path.substring(0, path.lastIndexOf('/'));
            String name = dir.substring(dir.lastIndexOf('/') + 1);
            return name.matches("zram\\d+") ? name : null;
        }
        return null;
    }

    /** The host's own zram devices ("MAJ:MIN"), hidden from the command's /dev. */
    private static Set<String> hostZramDevices(HostView host) {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.list(host.sys().resolve("block"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().startsWith("zram")) {
                    try {
                        out.add(Files.readString(p.resolve("dev")).strip());
                    } catch (IOException e) {
                        // gone
                    }
                }
            }
        } catch (IOException e) {
            // no block devices
        }
        return out;
    }

    /** Writes the wrapper scripts into {@code bin} and binds them over the real binaries the host has. */
    private void wrappers(Path bin, Path ctl) throws IOException {
        String script;
        try (InputStream in = Inside.class.getResourceAsStream("wrapper.sh")) {
            if (in == null) {
                throw new IOException("the wrapper script is missing from the class path");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@CTL@", ctl.toString());
        }
        for (String n : KernelCommands.NAMES) {
            Path w = bin.resolve(n);
            Files.writeString(w, script);
            Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Set<Path> real = new LinkedHashSet<>();
        for (String d : BIN_DIRS) {
            for (String n : KernelCommands.NAMES) {
                Path p = Path.of(d, n);
                if (Files.exists(p)) {
                    Path r = p.toRealPath();
                    if (Files.isRegularFile(r, LinkOption.NOFOLLOW_LINKS) && KernelCommands.NAMES.contains(r.getFileName().toString())) {
                        real.add(r);
                    }
                }
            }
        }
        for (Path r : real) {
            Mounts.bind(bin.resolve(r.getFileName().toString()), r, false);
            undo.push(() -> Mounts.detach(r));
        }
        Path procModules = Path.of("/proc/modules");
        if (Files.exists(procModules)) {
            Mounts.bind(ctl.resolveSibling("modules"), procModules, false);
            undo.push(() -> Mounts.detach(procModules));
        }
    }

    private Process start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(o.command()).inheritIO();
        Map<String, String> env = pb.environment();
        env.remove(PrivateMountNamespace.DEFAULT_MARKER);
        String path = env.getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("PATH", scratch.resolve("bin") + ":" + path);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + o.command().get(0) + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- tearing down

    private void tearDown(String ns) {
        List<Long> killed = NamespaceProcesses.killAll(ns);
        if (!killed.isEmpty()) {
            warn("killed what the command left running: pids " + killed);
        }
        // swap is global: every loop device this run attached is swapped off (EINVAL where none is)
        for (String l : ledger.read("loop")) {
            Path node = host == null ? Path.of("/dev/loop" + l) : host.dev().resolve("loop" + l);
            if (UsageProbe.swapoff(node) == 0) {
                warn("swapoff /dev/loop" + l + " (swapped on by the command and left so)");
            }
            String mm = LoopDevice.LOOP_MAJOR + ":" + l;
            List<MountEntry> on = Mounts.table().stream().filter(m -> m.device().equals(mm)).toList();
            for (int i = on.size() - 1; i >= 0; i--) {
                try {
                    Mounts.detach(on.get(i).mountPoint());
                    warn("unmounted " + on.get(i).mountPoint() + " (left mounted by the command)");
                } catch (IOException x) {
                    warn("unmounting " + on.get(i).mountPoint() + " failed: " + x.getMessage());
                }
            }
        }
        while (!undo.isEmpty()) {
            try {
                undo.pop().close();
            } catch (Exception e) {
                warn("tearing down: " + e.getMessage());
            }
        }
    }

    /** rmmod of every module still loaded, newest first (zram retried for up to 3 s, as the storm's final unload). */
    private String finalUnload() {
        List<String> failed = new ArrayList<>();
        List<Module> loaded = new ArrayList<>(machine.modules().loaded());
        java.util.Collections.reverse(loaded);
        for (Module m : loaded) {
            String r = "?";
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (true) {
                try {
                    machine.rmmod(m.name());
                    r = "ok";
                    break;
                } catch (ErrnoException e) {
                    r = e.errno().name();
                } catch (RuntimeException e) {
                    r = e.getClass().getSimpleName();
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!r.equals("ok")) {
                failed.add("rmmod " + m.name() + " failed: " + r);
            }
        }
        return failed.isEmpty() ? "done" : String.join(", ", failed);
    }

    private void report(MachineVerdict v, int status, boolean ran) {
        StringBuilder sb = new StringBuilder();
        if (!o.verdictOnly() && v.splatTotal() > 0) {
            List<KernelLog.Record> hits = machine.kernel().log().scan(0).hits();
            sb.append("kernel log, first splat lines (").append(v.splatTotal()).append(" splats in all; dmesg in the run shows "
                    + "everything):\n");
            hits.stream().limit(40).forEach(r -> sb.append("  ").append(r.format()).append('\n'));
        }
        sb.append(String.format(Locale.ROOT, "jzram run: verdict (fixes=%s, %d CPUs, lockdep %s; %s):%n", o.fixes(),
                o.cpus(), o.lockdep() ? "on" : "off", ran ? o.command().get(0) + " exited " + status : o.command().get(0) + " did not run"));
        sb.append(v.lines()).append(v.bugLines());
        List<String> violations = v.violations();
        sb.append(violations.isEmpty() ? "verdict: OK" : "verdict: FAILED (" + String.join("; ", violations) + ")").append('\n');
        err.print(sb);
        err.flush();
    }
}
