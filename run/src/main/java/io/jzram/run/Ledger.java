// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the inner process tells the outer one about what it made on the host, written before it is
 * made, so that the outer can undo it however the inner ends (SIGKILL included): "ns mnt:[N]" (the
 * private namespace), "loop N" (a loop device attached; swap on it is global, and swapoff by the
 * loop's host node works from any namespace), "cmd PID". One line per fact, appended to a file on
 * the host (outside the namespace's mounts); a line is written with one write(2), so a reader sees
 * whole lines. Mirrors nothing in the kernel.
 *
 * <p>Threading: {@link #record} is synchronized; {@link #read} is for the outer process after the
 * inner one ended.
 */
final class Ledger {
    private final Path file;

    Ledger(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void record(String key, String value) {
        try {
            Files.write(file, (key + " " + value + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The values recorded under {@code key}, in order. */
    List<String> read(String key) {
        List<String> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (l.startsWith(key + " ")) {
                    out.add(l.substring(key.length() + 1));
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    Optional<String> first(String key) {
        List<String> l = read(key);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }
}
