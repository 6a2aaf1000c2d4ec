// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.cli.client.ServerOptions;
import io.jzram.cli.options.MachineOptions;
import io.jzram.cli.options.Sizes;
import io.jzram.cli.options.UsageErrors;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jzram serve}: boots an emulated machine, loads zram, initialises its devices through
 * sysfs, exports every initialised zramN over NBD and runs the HTTP control plane, until SIGTERM or
 * SIGINT (a JVM shutdown hook finishes the NBD requests in flight, then stops) — or, with
 * {@code --run CMD} (nbdkit's captive mode), until CMD exits, with CMD's exit status.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export an emulated machine's zram devices over NBD, with an HTTP control plane on 127.0.0.1.",
            "Every zramN with a disksize is export zramN; devices added or set up later through the control "
                    + "plane appear, reset or removed ones refuse new clients.",
            "Without --socket and --port, NBD listens on 127.0.0.1:10809 (with --run: on a Unix socket in a new "
                    + "temporary directory)."},
        exitCodeList = {"0:stopped (with --run: CMD exited 0)",
            "1:could not start (a listener, modprobe or a device's setup failed)",
            UsageErrors.USAGE,
            "N:with --run: CMD's exit status (128+n when a signal n ended it)",
            "143:stopped by SIGTERM (130: by SIGINT, Ctrl-C)"})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--socket", paramLabel = "PATH", description = "NBD on this Unix socket")
    Path socket;

    @Option(names = "--port", paramLabel = "N", description = "NBD on TCP port N of the --bind address (0: any free port)")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "the address NBD's TCP port listens on (default: 127.0.0.1; "
            + "another address prints a warning: NBD has no authentication, anyone who reaches it may read and write the "
            + "devices; the control plane stays on 127.0.0.1)")
    String bind;

    @Option(names = "--read-only", description = "export the devices read-only: clients see NBD_FLAG_READ_ONLY and writes, "
            + "trims and write-zeroes fail with EPERM")
    boolean readOnly;

    @Option(names = "--run", paramLabel = "CMD", description = {"start serving, run CMD with sh -c, stop when it exits, "
            + "and exit with its status (as nbdkit --run). CMD's environment has $uri (and $nbd, the same) with the "
            + "export zram0's URI, nbd+unix:///zram0?socket=PATH or nbd://127.0.0.1:PORT/zram0, $exportname, $unixsocket "
            + "or $port, and $JZRAM_HTTP_PORT for the client commands (jzram status, cat, write, ...); the control "
            + "plane's port is then any free one unless --http-port is given",
        "Example: jzram serve --run 'nbdinfo \"$uri\"'"})
    String run;

    @Option(names = "--http-port", paramLabel = "N",
            description = "control plane on 127.0.0.1:N (0: any free port; default: " + ServerOptions.DEFAULT_HTTP_PORT
                    + ", with --run 0)")
    Integer httpPort;

    @Mixin
    MachineOptions.LockdepOff machine = new MachineOptions.LockdepOff(ZramFixes.UPSTREAM);

    @Option(names = "--devices", paramLabel = "N", description = MachineOptions.DEVICES + " (default: ${DEFAULT-VALUE})")
    int devices = 1;

    @Option(names = "--disksize", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = MachineOptions.DISKSIZE + "; 0 leaves them uninitialised (default: 1G)")
    long disksize = 1L << 30;

    @Option(names = "--algorithm", paramLabel = "A", description = MachineOptions.ALGORITHM + ", written to comp_algorithm "
            + "before the disksize (default: the driver's, lzo-rle)")
    String algorithm;

    @Option(names = "--shutdown-timeout", paramLabel = "D",
            description = "how long stopping waits for NBD requests in flight (default: ${DEFAULT-VALUE})", defaultValue = "30s")
    Duration shutdownTimeout;

    @Option(names = "--nbd-workers", paramLabel = "N",
            description = "NBD worker threads running the device I/O of requests over 64 KiB; smaller ones run on "
                    + "their connection's reader thread (default: 2 x cores, 4..32)")
    Integer nbdWorkers;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        InetAddress bindAddress = null;
        if (bind != null) {
            try {
                bindAddress = InetAddress.getByName(bind);
            } catch (UnknownHostException e) {
                throw UsageErrors.error(spec, "--bind " + bind + ": not an address of this machine's");
            }
        }
        Path tmp = null;
        JzramServer.Config config;
        try {
            Integer nbdPort = port;
            Path sock = socket;
            if (sock == null && nbdPort == null) {
                if (run != null && bind == null) {
                    tmp = Files.createTempDirectory("jzram-serve-");
                    sock = tmp.resolve("nbd.sock");
                } else {
                    nbdPort = 10809;
                }
            }
            int http = httpPort != null ? httpPort : run != null ? 0 : ServerOptions.DEFAULT_HTTP_PORT;
            config = new JzramServer.Config(sock, nbdPort, bindAddress, http, machine.cpus(), devices,
                    disksize == 0 ? null : Long.toString(disksize), algorithm, machine.fixes(), machine.kconfig(),
                    machine.seed(), shutdownTimeout, nbdWorkers == null ? 0 : nbdWorkers, machine.lockdep(), readOnly);
        } catch (IllegalArgumentException e) {
            deleteTree(tmp);
            throw UsageErrors.error(spec, e.getMessage());
        } catch (IOException e) {
            System.err.println("jzram serve: cannot create a directory for the socket: " + e.getMessage());
            return 1;
        }
        JzramServer server;
        try {
            server = JzramServer.start(config);
        } catch (JzramServer.StartException e) {
            System.err.println("jzram serve: " + e.getMessage());
            deleteTree(tmp);
            return 1;
        }
        if (config.exposed()) {
            System.err.println("jzram serve: warning: NBD listens on " + bind + ", reachable from other machines; NBD has no "
                    + "authentication: whoever connects can " + (readOnly ? "read" : "read and write") + " the devices");
        }
        return run != null ? captive(server, config, tmp) : untilSignalled(server, config);
    }

    private static int untilSignalled(JzramServer server, JzramServer.Config config) {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("jzram serve: shutting down");
            boolean clean = server.shutdown(config.shutdownTimeout(), s -> System.err.println("jzram serve: " + s));
            System.err.println("jzram serve: stopped" + (clean ? "" : " (some NBD connections were closed hard)"));
            System.err.flush();
            done.countDown();
        }, "jzram-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String line : server.banner()) {
            System.out.println(line);
        }
        System.out.println("jzram serve: ready (SIGTERM or Ctrl-C stops)");
        System.out.flush();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** --run: CMD runs against the server; when it exits the server stops and its status is ours. */
    private int captive(JzramServer server, JzramServer.Config config, Path tmp) {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", run).inheritIO();
        Map<String, String> env = pb.environment();
        String uri = server.uri();
        env.put("uri", uri);
        env.put("nbd", uri);
        env.put("exportname", "zram0");
        server.socket().ifPresentOrElse(p -> env.put("unixsocket", p.toString()), () -> env.remove("unixsocket"));
        server.nbdTcp().ifPresentOrElse(a -> env.put("port", Integer.toString(a.getPort())), () -> env.remove("port"));
        env.put("JZRAM_HTTP_PORT", Integer.toString(server.httpPort()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            System.err.println("jzram serve: --run: " + e.getMessage());
            stop(server, config, tmp);
            return 1;
        }
        Thread hook = new Thread(() -> {
            p.destroy();
            stop(server, config, tmp);
        }, "jzram-serve-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            status = 1;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return status; // the JVM is going down already: the hook stops the server
        }
        stop(server, config, tmp);
        return status;
    }

    private static void stop(JzramServer server, JzramServer.Config config, Path tmp) {
        boolean clean = server.shutdown(config.shutdownTimeout(), s -> System.err.println("jzram serve: " + s));
        if (!clean) {
            System.err.println("jzram serve: stopped (some NBD connections were closed hard)");
        }
        deleteTree(tmp);
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("jzram serve: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
