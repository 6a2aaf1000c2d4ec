// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import io.jzram.kernel.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client of a running {@code jzram serve}'s control plane (HTTP/1.1 on 127.0.0.1): one request
 * per call, the body as bytes. An answer with an {@code X-Errno} header becomes an
 * {@link ErrnoReply}; any other error status an {@link IOException} with the server's text; a
 * server that is not there an IOException that says where it was looked for.
 */
public final class ControlClient implements SysfsSource {

    /** The server answered a request with a kernel error. */
    public static final class ErrnoReply extends IOException {
        private static final long serialVersionUID = 1L;
        private final Errno errno;
        private final int status;
        private final String phase;
        private final String detail;

        public ErrnoReply(Errno errno, int status, String phase, String detail) {
            super(errno.name() + ": " + detail, null);
            this.errno = errno;
            this.status = status;
            this.phase = phase;
            this.detail = detail;
        }

        public Errno errno() {
            return errno;
        }

        /** The HTTP status it came with. */
        public int status() {
            return status;
        }

        /** Which system call failed: open, read, write (sysfs), or the endpoint's operation. */
        public String phase() {
            return phase;
        }

        /** The kernel's sentence about it (without the errno name). */
        public String detail() {
            return detail;
        }

        /** strerror(errno). */
        public String text() {
            return errno.text();
        }
    }

    /** An answer: status, body and headers (names in lower case). */
    public record Response(int status, byte[] body, Map<String, List<String>> headers) {
        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        public Optional<String> header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                    return Optional.of(e.getValue().get(0));
                }
            }
            return Optional.empty();
        }
    }

    private final String base;
    private final int timeoutMillis;

    public ControlClient(int port) {
        this("127.0.0.1", port, 120_000);
    }

    public ControlClient(String host, int port, int timeoutMillis) {
        this.base = "http://" + host + ":" + port;
        this.timeoutMillis = timeoutMillis;
    }

    /** Where the server is looked for. */
    public String baseUrl() {
        return base;
    }

    /** Percent-encodes each path component (a /sys path stays readable). */
    static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("/", -1)) {
            if (sb.length() > 0 || path.startsWith("/")) {
                sb.append('/');
            }
            sb.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        String s = sb.toString();
        return s.startsWith("//") ? s.substring(1) : s;
    }

    public Response request(String method, String pathAndQuery, byte[] body) throws IOException {
        URI uri = URI.create(base + pathAndQuery);
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(timeoutMillis);
        c.setUseCaches(false);
        try {
            if (body != null) {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(body.length);
                c.setRequestProperty("Content-Type", "application/octet-stream");
                try (OutputStream os = c.getOutputStream()) {
                    os.write(body);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] data = in == null ? new byte[0] : in.readAllBytes();
            if (in != null) {
                in.close();
            }
            Response r = new Response(status, data, c.getHeaderFields());
            if (status >= 400) {
                throw failure(r);
            }
            return r;
        } catch (ConnectException e) {
            throw new IOException("cannot reach the jzram control plane at " + base
                    + " (is `jzram serve` running? --http-port selects the port): " + e.getMessage(), e);
        }
    }

    private static IOException failure(Response r) {
        Optional<String> errno = r.header("X-Errno");
        String text = r.text().strip();
        if (errno.isPresent()) {
            Errno e;
            try {
                e = Errno.valueOf(errno.get());
            } catch (IllegalArgumentException x) {
                return new IOException("HTTP " + r.status() + ": " + text);
            }
            // body: "EBUSY (16): Device or resource busy\n<detail>\n"
            int nl = text.indexOf('\n');
            String detail = nl < 0 ? e.text() : text.substring(nl + 1).strip();
            return new ErrnoReply(e, r.status(), r.header("X-Errno-Phase").orElse(""), detail);
        }
        return new IOException("HTTP " + r.status() + ": " + text);
    }

    public Response get(String pathAndQuery) throws IOException {
        return request("GET", pathAndQuery, null);
    }

    // ---------------------------------------------------------------- SysfsSource

    /** cat PATH (a file of /sys or /dev). */
    @Override
    public String read(String path) throws IOException {
        Response r = get(encodePath(path));
        if (r.header("X-File-Type").orElse("").equals("directory")) {
            throw new ErrnoReply(Errno.EISDIR, 400, "read", path + " is a directory");
        }
        return r.text();
    }

    /** ls PATH: the names in a directory. */
    @Override
    public List<String> list(String dir) throws IOException {
        Response r = get(encodePath(dir.endsWith("/") ? dir : dir + "/"));
        String t = r.text();
        return t.isEmpty() ? List.of() : List.of(t.split("\n"));
    }

    /** One write(2) of value to path. */
    public void write(String path, byte[] value) throws IOException {
        request("PUT", encodePath(path), value);
    }
}
