// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.sys.LoopDevice;
import io.jzram.fuse.sys.PrivateMountNamespace;
import io.jzram.kernel.Errno;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code jzram run}: runs a real program against an emulated machine. This is the outer process,
 * in the host's mount namespace; it checks what the run needs ({@link Prerequisites}: exit 2 with
 * one line naming what is missing), makes an empty scratch directory and a {@link Ledger} file
 * under /tmp, and starts the inner process ({@link InnerMain}, in a JVM like this one) under
 * {@code unshare --mount --propagation private}, with the terminal, so that the command is the
 * inner process's child in that namespace. When the inner process ends, however it ends (SIGKILL
 * included), this one undoes what could outlive it: it kills whatever still runs in the namespace
 * (the namespace and its mounts go with the last of them), turns swap off on every loop device
 * the ledger names (swap is global: a swap area on a loop device over a dead FUSE server must never
 * stay on the host; swapoff of the loop's host node finds it whatever node it was swapped on by),
 * waits for the loop devices to detach (they have LO_FLAGS_AUTOCLEAR) or clears them, and removes
 * the scratch directory and the ledger. Exit status: the inner process's (the command's, or 1 for
 * a failed verdict after a successful command), 128+N if it was killed by signal N.
 *
 * <p>Threading: {@link #run} blocks the calling thread; a shutdown hook kills the inner process
 * and cleans up if this JVM is stopped meanwhile. Mirrors nothing in the kernel.
 */
public final class JzramRun {
    private final RunOptions options;
    private final PrintStream err;

    public JzramRun(RunOptions options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    private void warn(String s) {
        err.println("jzram run: " + s);
        err.flush();
    }

    /** Runs the command with this process's terminal; returns the exit status {@code jzram run} exits with. */
    public int run() throws IOException, InterruptedException {
        return run(ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
    }

    /**
     * Runs the command with its standard input, output and error (and the inner process's: its
     * warnings and the verdict go to {@code err}) redirected so; returns the exit status.
     */
    public int run(ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err)
            throws IOException, InterruptedException {
        try {
            options.validate();
        } catch (IllegalArgumentException e) {
            warn(e.getMessage());
            return 2;
        }
        Optional<String> missing = Prerequisites.missing();
        if (missing.isPresent()) {
            warn(missing.get());
            return 2;
        }
        Path scratch = Files.createTempDirectory("jzram-run-");
        Ledger ledger = new Ledger(Path.of(scratch + ".ledger"));
        List<String> args = new ArrayList<>(List.of(scratch.toString(), ledger.file().toString()));
        args.addAll(options.toArgs());
        PrivateMountNamespace ns = PrivateMountNamespace.create();
        List<String> java = new ArrayList<>(PrivateMountNamespace.javaCommand(InnerMain.class.getName(), args));
        // The JVM's own threads must never read the FUSE files this JVM serves: the VM thread reading
        // /sys/fs/cgroup (container support, under the FUSE /sys) at a safepoint would wait for FUSE
        // workers that wait for the safepoint.
        java.add(1, "-XX:-UseContainerSupport");
        Process inner = ns.processBuilder(java).redirectInput(in).redirectOutput(out).redirectError(err).start();
        Thread hook = new Thread(() -> {
            inner.destroyForcibly();
            cleanUp(inner, scratch, ledger);
        }, "jzram-run-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int status;
        try {
            status = inner.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
        cleanUp(inner, scratch, ledger);
        return status;
    }

    /** Undoes what the inner process may have left on the host; idempotent. */
    private void cleanUp(Process inner, Path scratch, Ledger ledger) {
        try {
            inner.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean killed = inner.exitValue() >= 128;
        Optional<String> ns = ledger.first("ns");
        if (ns.isPresent()) {
            List<Long> left = NamespaceProcesses.killAll(ns.get());
            if (!left.isEmpty()) {
                warn("the inner process ended (status " + inner.exitValue() + "); killed what still ran in its namespace: pids " + left);
            }
        }
        for (String l : ledger.read("loop")) {
            int n = Integer.parseInt(l);
            Path node = Path.of("/dev/loop" + n);
            int errno = UsageProbe.swapoff(node); // swap is global: EINVAL where nothing is swapped on
            if (errno == 0) {
                warn("swapoff " + node + " (swap on a device of the run, left by a process that was killed)");
            } else if (errno != Errno.EINVAL.number() && errno != Errno.ENOENT.number()) {
                warn("swapoff " + node + " failed: " + Errno.describe(errno));
            }
            Optional<String> backing = LoopDevice.backingFileOf(n);
            if (backing.isPresent() && backing.get().startsWith(scratch.toString())
                    && !LoopDevice.awaitDetached(n, Duration.ofSeconds(killed ? 10 : 5))) {
                if (LoopDevice.clear(n)) {
                    warn("detached " + node + " (" + backing.get() + ")");
                } else {
                    warn(node + " is still attached to " + backing.get());
                }
            }
        }
        try {
            Files.deleteIfExists(ledger.file());
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            warn("removing " + scratch + ": " + e.getMessage());
        }
    }
}
