// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Test-scope main for trying real clients by hand: exports one in-memory device over a Unix socket
 * (and optionally 127.0.0.1 TCP) until SIGTERM/SIGINT, then shuts down cleanly.
 *
 * <pre>
 * java -cp nbd/target/test-classes:nbd/target/classes:core/target/classes:kernel/target/classes \
 *      io.jzram.nbd.NbdDemoServer /tmp/jzram.sock [SIZE_MIB=256] [EXPORT=zram0] [TCP_PORT]
 * nbdinfo 'nbd+unix:///zram0?socket=/tmp/jzram.sock'
 * </pre>
 */
public final class NbdDemoServer {
    private NbdDemoServer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: NbdDemoServer SOCKET [SIZE_MIB] [EXPORT] [TCP_PORT]");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
        String name = args.length > 2 ? args[2] : "zram0";
        MemoryBlockDevice device = new MemoryBlockDevice(name, size);
        SimpleExportRegistry registry = SimpleExportRegistry.of(
                new Export(name, "jzram in-memory test device", device, false)).defaultExport(name);
        NbdServer.Builder b = NbdServer.builder(registry).unixSocket(socket);
        if (args.length > 3) {
            b.tcpLoopback(Integer.parseInt(args[3]));
        }
        NbdServer server = b.start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean clean = server.shutdown(Duration.ofSeconds(10));
            System.err.println("nbd server stopped" + (clean ? "" : " (some connections were cut)")
                    + "; " + device.storedPages() + " pages stored");
            done.countDown();
        }));
        System.err.println("nbd server: export " + name + " (" + size + " bytes) on " + socket
                + server.tcpAddress().map(a -> " and " + a).orElse(""));
        done.await();
    }
}
