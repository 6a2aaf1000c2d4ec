// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.Module;
import io.jzram.nbd.Export;
import io.jzram.nbd.ExportRegistry;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane of {@code jzram serve}: HTTP/1.1 on 127.0.0.1 (JDK's built-in server) over a
 * {@link Machine}'s file API, so every answer is the kernel's.
 *
 * <table>
 *   <caption>endpoints</caption>
 *   <tr><td>GET /sys/PATH</td><td>show: the file's bytes (one open, reads to EOF, close); a directory
 *       answers its entry names, one per line, with {@code X-File-Type: directory}</td></tr>
 *   <tr><td>PUT /sys/PATH</td><td>store: the body as exactly one write(2) (opened O_WRONLY|O_TRUNC,
 *       so a missing file is ENOENT); 204, {@code X-Written: N}</td></tr>
 *   <tr><td>GET /dev/</td><td>the device nodes, one per line</td></tr>
 *   <tr><td>GET /dmesg, DELETE /dmesg</td><td>the kernel log as dmesg prints it; dmesg -C</td></tr>
 *   <tr><td>GET /modules</td><td>lsmod: name, reference count, state</td></tr>
 *   <tr><td>POST /modules/NAME?key=value&amp;...</td><td>modprobe NAME key=value ...: 201 when it was
 *       loaded, 200 when it already was</td></tr>
 *   <tr><td>DELETE /modules/NAME</td><td>rmmod NAME: 204</td></tr>
 *   <tr><td>GET /exports</td><td>the NBD exports: name, size in bytes, description (tab-separated)</td></tr>
 *   <tr><td>GET /metrics</td><td>Prometheus text format ({@link MachineMetrics})</td></tr>
 * </table>
 * CPUs go on- and offline through their files: PUT /sys/devices/system/cpu/cpuN/online.
 * Kernel errors answer as {@link ErrnoStatus} says; an unknown endpoint is 404 and a wrong method
 * 405, both without {@code X-Errno}. Handlers run on their own threads (a store may block as long
 * as the kernel makes it), so one stuck store does not stop the others.
 */
public final class ControlPlane implements AutoCloseable {

    /** Largest PUT body accepted (a store sees at most PAGE_SIZE of it anyway). */
    static final int MAX_BODY = 1 << 20;
    /** How much of an oversized body is read and dropped before the 413 (beyond it the connection is cut). */
    static final long DRAIN_LIMIT = 64L << 20;

    private final System.Logger log = System.getLogger(ControlPlane.class.getName());
    private final Machine machine;
    private final ExportRegistry exports;
    private final MachineMetrics metrics;
    private final HttpServer server;
    private final ExecutorService handlers;

    private ControlPlane(Machine machine, ExportRegistry exports, MachineMetrics metrics, int port) throws IOException {
        this.machine = machine;
        this.exports = exports;
        this.metrics = metrics;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        AtomicLong n = new AtomicLong();
        this.handlers = new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "jzram-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, (task, pool) -> {
            throw new java.util.concurrent.RejectedExecutionException("too many requests in flight");
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a control plane on 127.0.0.1:port (0: any free port). */
    public static ControlPlane start(Machine machine, ExportRegistry exports, MachineMetrics metrics, int port)
            throws IOException {
        return new ControlPlane(machine, exports, metrics, port);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, lets exchanges in progress finish for up to the delay. */
    public void stop(int delaySeconds) {
        server.stop(delaySeconds);
        handlers.shutdown();
    }

    @Override
    public void close() {
        stop(0);
    }

    // ---------------------------------------------------------------- dispatch

    /** An error that is not the kernel's: unknown endpoint, wrong method, bad request. */
    private static final class HttpError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            String path = uri.getPath();
            try {
                if (path.equals("/sys") || path.startsWith("/sys/")) {
                    sys(ex, method, path);
                } else if (path.equals("/dev") || path.startsWith("/dev/")) {
                    dev(ex, method, path);
                } else if (path.equals("/dmesg")) {
                    dmesg(ex, method);
                } else if (path.equals("/modules") || path.startsWith("/modules/")) {
                    modules(ex, method, path, uri.getRawQuery());
                } else if (path.equals("/metrics")) {
                    allow(method, "GET");
                    reply(ex, 200, PrometheusText.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                } else if (path.equals("/exports")) {
                    allow(method, "GET");
                    StringBuilder sb = new StringBuilder();
                    for (Export e : exports.list()) {
                        sb.append(e.name()).append('\t').append(e.device().capacity()).append('\t')
                                .append(e.description()).append('\n');
                    }
                    text(ex, 200, sb.toString());
                } else if (path.equals("/")) {
                    allow(method, "GET");
                    text(ex, 200, "jzram control plane: GET|PUT /sys/..., GET /dev/, GET|DELETE /dmesg, GET /modules, "
                            + "POST|DELETE /modules/NAME, GET /exports, GET /metrics\n");
                } else {
                    throw new HttpError(404, "no such endpoint: " + path);
                }
            } catch (ErrnoException e) {
                errno(ex, e.errno(), "", detail(e));
            } catch (PhaseError e) {
                errno(ex, e.cause.errno(), e.phase, detail(e.cause));
            } catch (HttpError e) {
                if (e.status == 405) {
                    ex.getResponseHeaders().set("Allow", e.getMessage());
                    text(ex, 405, "method " + method + " not allowed here; allowed: " + e.getMessage() + "\n");
                } else {
                    text(ex, e.status, e.getMessage() + "\n");
                }
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "control plane: " + method + " " + path + " failed", e);
                text(ex, 500, "internal error: " + e + "\n");
            }
        }
    }

    /** A kernel error with the system call it came from. */
    private static final class PhaseError extends Exception {
        private static final long serialVersionUID = 1L;
        final String phase;
        final ErrnoException cause;

        PhaseError(String phase, ErrnoException cause) {
            super(null, null, false, false);
            this.phase = phase;
            this.cause = cause;
        }
    }

    /** The kernel's sentence without the "EBUSY: " prefix ErrnoException puts in front. */
    private static String detail(ErrnoException e) {
        String m = e.getMessage();
        String prefix = e.errno().name() + ": ";
        return m != null && m.startsWith(prefix) ? m.substring(prefix.length()) : String.valueOf(m);
    }

    private static void allow(String method, String... allowed) throws HttpError {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new HttpError(405, String.join(", ", allowed));
    }

    // ---------------------------------------------------------------- /sys

    private void sys(HttpExchange ex, String method, String path) throws IOException, HttpError, PhaseError {
        allow(method, "GET", "PUT");
        if (method.equals("GET")) {
            if (stat(path).type() == FileStat.Type.DIRECTORY) {
                listing(ex, machine.ls(path));
                return;
            }
            byte[] data = readFile(path);
            reply(ex, 200, "text/plain; charset=iso-8859-1", data);
        } else {
            byte[] body = body(ex);
            int written = writeOnce(path, body);
            ex.getResponseHeaders().set("X-Written", Integer.toString(written));
            ex.sendResponseHeaders(204, -1);
        }
    }

    private FileStat stat(String path) throws PhaseError {
        try {
            return machine.stat(path);
        } catch (ErrnoException e) {
            throw new PhaseError("open", e);
        }
    }

    /** cat: open, read until EOF (4 KiB at a time, as cat(1) would with a page-size buffer), close. */
    private byte[] readFile(String path) throws PhaseError {
        MachineFile f;
        try {
            f = machine.open(path, OpenFlag.RDONLY);
        } catch (ErrnoException e) {
            throw new PhaseError("open", e);
        }
        try (f) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = f.read(buf, 0, buf.length)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > (64 << 20)) {
                    break; // a device node: do not stream a whole disk through here
                }
            }
            return out.toByteArray();
        } catch (ErrnoException e) {
            throw new PhaseError("read", e);
        }
    }

    /** One write(2) of the bytes. */
    private int writeOnce(String path, byte[] data) throws PhaseError {
        MachineFile f;
        try {
            f = machine.open(path, OpenFlag.WRONLY, OpenFlag.TRUNC);
        } catch (ErrnoException e) {
            throw new PhaseError("open", e);
        }
        try (f) {
            return f.write(data, 0, data.length);
        } catch (ErrnoException e) {
            throw new PhaseError("write", e);
        }
    }

    private static byte[] body(HttpExchange ex) throws IOException, HttpError {
        try (InputStream in = ex.getRequestBody()) {
            byte[] data = in.readNBytes(MAX_BODY + 1);
            if (data.length > MAX_BODY) {
                // read (and drop) the rest of a body up to DRAIN_LIMIT, so the client gets the 413 rather
                // than a connection reset for the bytes it was still sending
                // (read, not skip: the server's body stream does not bound skip by the body's length)
                byte[] drop = new byte[64 << 10];
                long drained = 0;
                int n;
                while (drained < DRAIN_LIMIT && (n = in.read(drop)) > 0) {
                    drained += n;
                }
                throw new HttpError(413, "request body larger than " + MAX_BODY + " bytes");
            }
            return data;
        }
    }

    // ---------------------------------------------------------------- /dev

    private void dev(HttpExchange ex, String method, String path) throws IOException, HttpError, PhaseError {
        allow(method, "GET");
        FileStat st = stat(path);
        if (st.type() == FileStat.Type.DIRECTORY) {
            listing(ex, machine.ls(path));
            return;
        }
        if (st.type() == FileStat.Type.BLOCK_DEVICE) {
            throw new HttpError(405, "a block device's data is served over NBD (export " + path.substring(5) + ")");
        }
        reply(ex, 200, "application/octet-stream", readFile(path));
    }

    // ---------------------------------------------------------------- /dmesg

    private void dmesg(HttpExchange ex, String method) throws IOException, HttpError {
        allow(method, "GET", "DELETE");
        if (method.equals("DELETE")) {
            machine.kernel().log().clear();
            ex.sendResponseHeaders(204, -1);
        } else {
            String log = machine.kernel().log().dmesg();
            text(ex, 200, log.isEmpty() || log.endsWith("\n") ? log : log + "\n"); // dmesg ends every line
        }
    }

    // ---------------------------------------------------------------- /modules

    private void modules(HttpExchange ex, String method, String path, String rawQuery)
            throws IOException, HttpError, PhaseError {
        if (path.equals("/modules") || path.equals("/modules/")) {
            allow(method, "GET");
            StringBuilder sb = new StringBuilder(String.format("%-19s %8s  %s%n", "Module", "Used by", "State"));
            for (Module m : machine.modules().loaded()) {
                sb.append(String.format("%-19s %8d  %s%n", m.name(), m.refcount(), m.state().name().toLowerCase()));
            }
            text(ex, 200, sb.toString());
            return;
        }
        String name = path.substring("/modules/".length());
        if (name.isEmpty() || name.contains("/")) {
            throw new HttpError(404, "no such endpoint: " + path);
        }
        allow(method, "POST", "DELETE");
        if (method.equals("POST")) {
            List<String> params = new ArrayList<>();
            for (Map.Entry<String, String> p : query(rawQuery).entrySet()) {
                params.add(p.getValue() == null ? p.getKey() : p.getKey() + "=" + p.getValue());
            }
            boolean was = machine.modules().find(name).map(Module::isLive).orElse(false);
            try {
                machine.modprobe(name, params.toArray(new String[0]));
            } catch (ErrnoException e) {
                throw new PhaseError("modprobe", e);
            }
            text(ex, was ? 200 : 201, "");
        } else {
            try {
                machine.rmmod(name);
            } catch (ErrnoException e) {
                throw new PhaseError("rmmod", e);
            }
            ex.sendResponseHeaders(204, -1);
        }
    }

    /** key=value&amp;flag pairs, percent-decoded, in order. */
    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? null : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    // ---------------------------------------------------------------- replies

    private static void listing(HttpExchange ex, List<String> names) throws IOException {
        ex.getResponseHeaders().set("X-File-Type", "directory");
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(n).append('\n');
        }
        text(ex, 200, sb.toString());
    }

    private static void errno(HttpExchange ex, Errno e, String phase, String detail) throws IOException {
        ex.getResponseHeaders().set("X-Errno", e.name());
        ex.getResponseHeaders().set("X-Errno-Number", Integer.toString(e.number()));
        if (!phase.isEmpty()) {
            ex.getResponseHeaders().set("X-Errno-Phase", phase);
        }
        text(ex, ErrnoStatus.of(e), ErrnoStatus.headline(e) + "\n" + detail.replace('\n', ' ') + "\n");
    }

    private static void text(HttpExchange ex, int status, String s) throws IOException {
        reply(ex, status, "text/plain; charset=utf-8", s.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (body.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}
