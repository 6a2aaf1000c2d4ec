// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A device of the machine's own kernel zram, for parity checks: a fresh one from
 * {@code /sys/class/zram-control/hot_add} (removed again by {@link #close()}), or zram0 when
 * hot_add is not there and zram0 is free (disksize 0; always left reset). {@link #open()} returns
 * null with the reason in {@link #whyNot} when the kernel's zram cannot be used here.
 */
final class KernelZram implements AutoCloseable {
    static String whyNot = "";

    final int id;
    final Path sys;
    final Path dev;
    private final boolean hotAdded;

    private KernelZram(int id, boolean hotAdded) {
        this.id = id;
        this.sys = Path.of("/sys/block/zram" + id);
        this.dev = Path.of("/dev/zram" + id);
        this.hotAdded = hotAdded;
    }

    static KernelZram open() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            whyNot = "not Linux";
            return null;
        }
        if (!Files.isDirectory(Path.of("/sys/block/zram0"))) {
            whyNot = "/sys/block/zram0 does not exist (no zram in this kernel)";
            return null;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            whyNot = "not root (user " + System.getProperty("user.name") + ")";
            return null;
        }
        Path hotAdd = Path.of("/sys/class/zram-control/hot_add");
        if (Files.isReadable(hotAdd)) {
            try {
                int id = Integer.parseInt(Files.readString(hotAdd).trim());
                KernelZram k = new KernelZram(id, true);
                for (int i = 0; i < 100 && !Files.exists(k.dev); i++) {
                    Thread.sleep(10);
                }
                if (Files.exists(k.dev)) {
                    return k;
                }
                k.close();
                whyNot = "hot_add made zram" + id + " but " + k.dev + " did not appear";
                return null;
            } catch (IOException | RuntimeException e) {
                // fall back to zram0
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        KernelZram k = new KernelZram(0, false);
        try {
            if (!"0".equals(k.read("disksize"))) {
                whyNot = "zram0 is in use (disksize " + k.read("disksize") + ") and hot_add is unavailable";
                return null;
            }
            if (!Files.isWritable(k.sys.resolve("disksize")) || !Files.exists(k.dev)) {
                whyNot = "zram0 is not writable";
                return null;
            }
        } catch (IOException e) {
            whyNot = "cannot read zram0: " + e;
            return null;
        }
        return k;
    }

    String read(String attr) throws IOException {
        return Files.readString(sys.resolve(attr), StandardCharsets.US_ASCII).trim();
    }

    void write(String attr, String value) throws IOException {
        Files.writeString(sys.resolve(attr), value + "\n", StandardCharsets.US_ASCII);
    }

    /** dd if=FILE of=/dev/zramN bs=4k oflag=direct. */
    void ddFrom(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("dd", "if=" + file, "of=" + dev, "bs=4k", "oflag=direct", "status=none")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("dd into " + dev + " failed: " + out);
        }
    }

    /** mm_stat as nine numbers. */
    long[] mmStat() throws IOException {
        String[] f = read("mm_stat").split("\\s+");
        long[] v = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = Long.parseLong(f[i]);
        }
        return v;
    }

    void reset() throws IOException {
        write("reset", "1");
    }

    @Override
    public void close() {
        try {
            reset();
        } catch (IOException e) {
            // best effort
        }
        if (hotAdded) {
            try {
                Files.writeString(Path.of("/sys/class/zram-control/hot_remove"), id + "\n");
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
