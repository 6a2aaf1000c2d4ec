// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.kernel.ErrnoException;
import io.jzram.nbd.NbdServer;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@code jzram serve} runs: an emulated {@link Machine} with the zram module loaded and its
 * devices initialised through sysfs, an {@link NbdServer} exporting every initialised zramN
 * ({@link MachineExportRegistry}), and the HTTP {@link ControlPlane}. {@link #close()} shuts down
 * in order: the control plane stops taking requests, the NBD server finishes the requests in flight
 * and closes its connections, the zram module is unloaded (giving its memory back) and the machine
 * stops.
 */
public final class JzramServer implements AutoCloseable {

    /**
     * serve's options. Null socket and null nbdPort: no listener of that kind; bind: the TCP
     * listener's address (null: 127.0.0.1); nbdWorkers 0: the NBD server's default pool size;
     * lockdep: CONFIG_PROVE_LOCKING on the machine; seed: the machine's (null: its default);
     * readOnly: every export read-only (NBD_FLAG_READ_ONLY, writes and trims refused with EPERM).
     */
    public record Config(Path socket, Integer nbdPort, InetAddress bind, int httpPort, int cpus, int devices, String disksize,
                         String algorithm, ZramFixes fixes, ZramKconfig kconfig, Long seed, Duration shutdownTimeout,
                         int nbdWorkers, boolean lockdep, boolean readOnly) {
        public Config(Path socket, Integer nbdPort, int httpPort, int cpus, int devices, String disksize,
                String algorithm, ZramFixes fixes, Duration shutdownTimeout) {
            this(socket, nbdPort, null, httpPort, cpus, devices, disksize, algorithm, fixes, ZramKconfig.full(), null,
                    shutdownTimeout, 0, true, false);
        }

        public Config {
            if (nbdWorkers < 0) {
                throw new IllegalArgumentException("--nbd-workers must be positive: " + nbdWorkers);
            }
            Objects.requireNonNull(fixes, "fixes");
            Objects.requireNonNull(kconfig, "kconfig");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            if (socket == null && nbdPort == null) {
                throw new IllegalArgumentException("no NBD listener: give --socket and/or --port");
            }
            if (bind != null && nbdPort == null) {
                throw new IllegalArgumentException("--bind is the TCP listener's address: it needs --port");
            }
            if (cpus < 1) {
                throw new IllegalArgumentException("--cpus must be at least 1: " + cpus);
            }
            if (nbdPort != null && (nbdPort < 0 || nbdPort > 65535)) {
                throw new IllegalArgumentException("--port must be in 0..65535: " + nbdPort);
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw new IllegalArgumentException("--http-port must be in 0..65535: " + httpPort);
            }
            if (algorithm != null && algorithm.isBlank()) {
                throw new IllegalArgumentException("--algorithm must name an algorithm");
            }
            if (devices < 0) {
                throw new IllegalArgumentException("--devices must not be negative: " + devices);
            }
        }

        /** Whether NBD listens where other machines can reach it. */
        public boolean exposed() {
            return nbdPort != null && bind != null && !bind.isLoopbackAddress();
        }
    }

    /** A failure to start, with a sentence for the user. */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Config config;
    private final Machine machine;
    private final MachineExportRegistry registry;
    private final NbdServer nbd;
    private final ControlPlane http;
    private boolean closed;

    private JzramServer(Config config, Machine machine, MachineExportRegistry registry, NbdServer nbd,
            ControlPlane http) {
        this.config = config;
        this.machine = machine;
        this.registry = registry;
        this.nbd = nbd;
        this.http = http;
    }

    /** Boots, loads zram, initialises the devices, starts listening. */
    public static JzramServer start(Config c) throws StartException {
        Machine.Builder mb = Machine.builder().cpus(c.cpus()).zramFixes(c.fixes()).zramKconfig(c.kconfig()).lockdep(c.lockdep());
        if (c.seed() != null) {
            mb.seed(c.seed());
        }
        Machine machine = mb.build();
        NbdServer nbd = null;
        try {
            List<String> params = new ArrayList<>();
            params.add("num_devices=" + c.devices());
            try {
                machine.modprobe("zram", params.toArray(new String[0]));
            } catch (ErrnoException e) {
                throw new StartException("modprobe zram " + String.join(" ", params) + ": " + e.getMessage(), e);
            }
            for (String dev : zramDevices(machine)) {
                String dir = "/sys/block/" + dev + "/";
                if (c.algorithm() != null) {
                    store(machine, dir + "comp_algorithm", c.algorithm());
                }
                if (c.disksize() != null) {
                    store(machine, dir + "disksize", c.disksize());
                }
            }
            MachineExportRegistry registry = new MachineExportRegistry(machine);
            NbdServer.Builder nb = NbdServer.builder(c.readOnly() ? new ReadOnlyExports(registry) : registry);
            if (c.socket() != null) {
                nb.unixSocket(c.socket());
            }
            if (c.nbdPort() != null) {
                nb.tcp(new InetSocketAddress(c.bind() != null ? c.bind() : InetAddress.getLoopbackAddress(), c.nbdPort()));
            }
            nb.closeTimeout(c.shutdownTimeout());
            if (c.nbdWorkers() > 0) {
                nb.workerThreads(c.nbdWorkers());
            }
            try {
                nbd = nb.start();
            } catch (IOException e) {
                throw new StartException("cannot listen for NBD clients: " + e.getMessage(), e);
            }
            ControlPlane http;
            try {
                http = ControlPlane.start(machine, registry, new MachineMetrics(machine, nbd), c.httpPort());
            } catch (IOException e) {
                throw new StartException("cannot listen for the control plane on 127.0.0.1:" + c.httpPort() + ": "
                        + e.getMessage(), e);
            }
            return new JzramServer(c, machine, registry, nbd, http);
        } catch (StartException | RuntimeException e) {
            if (nbd != null) {
                nbd.shutdown(Duration.ZERO);
            }
            unload(machine);
            machine.close();
            throw e;
        }
    }

    /** echo -n VALUE > PATH, as one store. */
    private static void store(Machine machine, String path, String value) throws StartException {
        try {
            machine.writeString(path, value);
        } catch (ErrnoException e) {
            throw new StartException(path + ": write error: " + e.errno().text() + " (" + e.getMessage() + ")", e);
        }
    }

    /** The zramN names under /sys/block, by number. */
    static List<String> zramDevices(Machine machine) {
        List<String> out = new ArrayList<>();
        for (String n : machine.ls("/sys/block")) {
            if (n.matches("zram[0-9]+")) {
                out.add(n);
            }
        }
        out.sort(Comparator.comparingInt(n -> Integer.parseInt(n.substring(4))));
        return out;
    }

    public Machine machine() {
        return machine;
    }

    public MachineExportRegistry registry() {
        return registry;
    }

    public NbdServer nbd() {
        return nbd;
    }

    public int httpPort() {
        return http.port();
    }

    public Optional<Path> socket() {
        return nbd.unixSocket();
    }

    public Optional<InetSocketAddress> nbdTcp() {
        return nbd.tcpAddress();
    }

    /**
     * The NBD URI of export zram0 (RFC-style, as nbdinfo and qemu take it): the Unix socket's when
     * there is one, else the TCP listener's (a wildcard address is reached through 127.0.0.1).
     */
    public String uri() {
        Optional<Path> sock = nbd.unixSocket();
        if (sock.isPresent()) {
            return "nbd+unix:///zram0?socket=" + sock.get();
        }
        return tcpUri(nbd.tcpAddress().orElseThrow());
    }

    private static String tcpUri(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host = ip.isAnyLocalAddress() ? "127.0.0.1"
                : ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
        return "nbd://" + host + ":" + a.getPort() + "/zram0";
    }

    /** The lines serve prints once it listens. */
    public List<String> banner() {
        List<String> out = new ArrayList<>();
        out.add("jzram serve: " + machine);
        nbd.unixSocket().ifPresent(p -> out.add("NBD: unix socket " + p + "  (nbd+unix:///zram0?socket=" + p + ")"));
        nbd.tcpAddress().ifPresent(a -> out.add("NBD: tcp " + hostPort(a) + "  (" + tcpUri(a) + ")"));
        out.add("control plane: http://127.0.0.1:" + http.port() + "/  (jzram status --http-port " + http.port() + ")");
        var exports = registry.list();
        if (exports.isEmpty()) {
            out.add("exports: none yet (give a zramN a disksize to export it)");
        }
        for (var e : exports) {
            out.add("export " + e.name() + ": " + e.device().capacity() + " bytes, " + e.description()
                    + (config.readOnly() ? ", read-only" : ""));
        }
        return out;
    }

    private static String hostPort(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + a.getPort();
    }

    private static void unload(Machine machine) {
        try {
            if (machine.modules().find("zram").isPresent()) {
                machine.rmmod("zram");
            }
        } catch (ErrnoException e) {
            // still in use: its memory goes with the JVM
        }
    }

    /**
     * Shuts down cleanly: control plane first (requests in progress get up to a second), then NBD
     * (requests in flight finish, new ones get ESHUTDOWN, connections close; whatever is still open
     * after the timeout is closed hard), then rmmod zram and the machine. Returns whether every NBD
     * connection finished in time. Idempotent.
     */
    public synchronized boolean shutdown(Duration timeout, Consumer<String> progress) {
        if (closed) {
            return true;
        }
        closed = true;
        http.stop(1);
        int conns = nbd.connectionCount();
        if (conns > 0) {
            progress.accept("finishing requests of " + conns + " NBD connection(s)");
        }
        boolean clean = nbd.shutdown(timeout);
        unload(machine);
        machine.close();
        return clean;
    }

    @Override
    public void close() {
        shutdown(config.shutdownTimeout(), s -> { });
    }
}
