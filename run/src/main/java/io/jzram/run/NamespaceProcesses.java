// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The processes of one mount namespace, found in /proc (PID/ns/mnt), and ending them: the command's
 * whole process tree lives in the run's private namespace, and the namespace (with its mounts)
 * only goes when the last of them does. Stateless.
 */
final class NamespaceProcesses {
    private NamespaceProcesses() {
    }

    /** The pids whose mount namespace is {@code ns} ("mnt:[4026532000]"), except this process. */
    static List<Long> in(String ns) {
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit) || Long.parseLong(n) == self) {
                    continue;
                }
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/mnt")).toString().equals(ns)) {
                        out.add(Long.parseLong(n));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // gone, or a kernel thread
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** SIGKILLs every process of namespace {@code ns} (but this one) and waits up to 10 s for them to go. */
    static List<Long> killAll(String ns) {
        List<Long> killed = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Long> left = in(ns);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            for (long pid : left) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    if (h.destroyForcibly() && !killed.contains(pid)) {
                        killed.add(pid);
                    }
                });
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            left = in(ns);
        }
        return killed;
    }
}
