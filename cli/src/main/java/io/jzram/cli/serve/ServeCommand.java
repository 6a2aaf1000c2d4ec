// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.cli.client.ServerOptions;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.zram.ZramFixes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jzram serve}: boots an emulated machine, loads zram, initialises its devices through
 * sysfs, exports every initialised zramN over NBD and runs the HTTP control plane, until SIGTERM or
 * SIGINT (a JVM shutdown hook finishes the NBD requests in flight, then stops).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Export an emulated machine's zram devices over NBD, with an HTTP control plane on 127.0.0.1.",
            "Every zramN with a disksize is export zramN; devices added or set up later through the control "
                    + "plane appear, reset or removed ones refuse new clients.",
            "Without --socket and --port, NBD listens on 127.0.0.1:10809."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--socket", paramLabel = "PATH", description = "NBD on this Unix socket")
    Path socket;

    @Option(names = "--port", paramLabel = "N", description = "NBD on 127.0.0.1:N (0: any free port)")
    Integer port;

    @Option(names = "--http-port", paramLabel = "N",
            description = "control plane on 127.0.0.1:N (0: any free port; default: ${DEFAULT-VALUE})",
            defaultValue = "" + ServerOptions.DEFAULT_HTTP_PORT)
    int httpPort;

    @Option(names = "--cpus", paramLabel = "N", description = "virtual CPUs (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int cpus;

    @Option(names = "--devices", paramLabel = "N", description = "modprobe zram num_devices=N (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int devices;

    @Option(names = "--disksize", paramLabel = "SIZE",
            description = "disksize written to every device, e.g. 1G, 256M (default: ${DEFAULT-VALUE}; 0: leave them "
                    + "uninitialised)", defaultValue = "1G")
    String disksize;

    @Option(names = "--algorithm", paramLabel = "A", description = "comp_algorithm written before the disksize "
            + "(default: the driver's)")
    String algorithm;

    @Option(names = "--fixes", paramLabel = "SET", description = "the zram fix set: none (5.15), seed (the series' fixes), "
            + "upstream (5.16+, as the 6.18 kernel) or all (default: ${DEFAULT-VALUE})", defaultValue = "upstream")
    String fixes;

    @Option(names = "--shutdown-timeout", paramLabel = "D",
            description = "how long SIGTERM waits for NBD requests in flight (default: ${DEFAULT-VALUE})", defaultValue = "30s")
    Duration shutdownTimeout;

    @Option(names = "--lockdep", description = "run with lockdep (CONFIG_PROVE_LOCKING: lock dependency checks on "
            + "every kernel lock, slower; off by default)")
    boolean lockdep;

    @Option(names = "--nbd-workers", paramLabel = "N",
            description = "NBD worker threads running the device I/O of requests over 64 KiB; smaller ones run on "
                    + "their connection's reader thread (default: 2 x cores, 4..32)")
    Integer nbdWorkers;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        JzramServer.Config config;
        try {
            Integer nbdPort = port;
            if (socket == null && nbdPort == null) {
                nbdPort = 10809;
            }
            String size = disksize == null || disksize.equals("0") ? null : disksize;
            config = new JzramServer.Config(socket, nbdPort, httpPort, cpus, devices, size, algorithm,
                    ZramFixes.parse(fixes), shutdownTimeout, nbdWorkers == null ? 0 : nbdWorkers, lockdep);
        } catch (ErrnoException e) {
            System.err.println("jzram serve: --fixes " + fixes + ": expected none, seed, upstream or all");
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("jzram serve: " + e.getMessage());
            return 2;
        }
        JzramServer server;
        try {
            server = JzramServer.start(config);
        } catch (JzramServer.StartException e) {
            System.err.println("jzram serve: " + e.getMessage());
            return 1;
        }
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
}
