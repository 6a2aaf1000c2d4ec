// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse.sys;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs a JVM (normally this program again) in a private mount namespace: the command goes through
 * {@code unshare --mount --propagation private --} (util-linux), which unshares the mount namespace
 * (CLONE_NEWNS), makes every mount in it private (so nothing mounted inside propagates back to the
 * host, nor the other way) and execs the command, which therefore has the pid the caller sees. The
 * namespace, and every mount in it, disappears when its last process exits, however it exits.
 *
 * <p>The child learns that it is inside from an environment variable ({@link #marker()}) whose
 * value is the parent's mount namespace ("mnt:[4026531840]"); {@link #isInside()} believes it only
 * if the process's own namespace is a different one and its root mount does not propagate, so a
 * marker inherited or set by hand cannot make a process mount over the host's /sys.
 *
 * <p>Instances are immutable; thread-safe.
 */
public final class PrivateMountNamespace {
    /** The default marker variable. */
    public static final String DEFAULT_MARKER = "JZRAM_PRIVATE_MOUNT_NS";

    private final String marker;
    private final String unshare;

    private PrivateMountNamespace(String marker, String unshare) {
        this.marker = marker;
        this.unshare = unshare;
    }

    /** With {@link #DEFAULT_MARKER} and the unshare found on PATH. */
    public static PrivateMountNamespace create() {
        return create(DEFAULT_MARKER);
    }

    /** With the given marker variable and the unshare found on PATH. */
    public static PrivateMountNamespace create(String marker) {
        return new PrivateMountNamespace(Objects.requireNonNull(marker),
                findOnPath("unshare").map(Path::toString).orElse("unshare"));
    }

    /** The environment variable that marks the child. */
    public String marker() {
        return marker;
    }

    /** Whether unshare(1) is on PATH. */
    public static boolean available() {
        return findOnPath("unshare").isPresent();
    }

    /**
     * Whether this process runs in the private namespace a parent started it in: the marker is set,
     * names another namespace than this process's, and this process's root mount is private.
     */
    public boolean isInside() {
        String parentNs = System.getenv(marker);
        if (parentNs == null || parentNs.isEmpty()) {
            return false;
        }
        String own = currentNamespace();
        return !own.equals(parentNs) && !rootPropagates();
    }

    /** This process's mount namespace, as /proc/self/ns/mnt names it ("mnt:[4026531840]"). */
    public static String currentNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean rootPropagates() {
        return Mounts.top(Path.of("/")).map(MountEntry::propagates).orElse(true);
    }

    /** {@code unshare --mount --propagation private -- command...}. */
    public List<String> wrap(List<String> command) {
        List<String> c = new ArrayList<>(List.of(unshare, "--mount", "--propagation", "private", "--"));
        c.addAll(command);
        return c;
    }

    /**
     * A process builder for {@code command} in a new private mount namespace, the marker set in its
     * environment, stdio inherited (the caller may redirect it).
     */
    public ProcessBuilder processBuilder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(wrap(command)).inheritIO();
        pb.environment().put(marker, currentNamespace());
        return pb;
    }

    /**
     * Runs {@code command} in a new private mount namespace with inherited stdio and returns its exit
     * status (128 + N if a signal N killed it). If this JVM is interrupted or shut down meanwhile, the
     * child is killed.
     */
    public int run(List<String> command) throws IOException, InterruptedException {
        Process p = processBuilder(command).start();
        Thread reaper = new Thread(p::destroyForcibly, "private-mount-namespace-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
    }

    /**
     * This JVM's own command line, exactly as it was started (from /proc/self/cmdline): the java
     * binary, its options, the main class or jar, the program arguments. Empty where the platform
     * does not tell.
     */
    public static Optional<List<String>> currentCommandLine() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            return Optional.empty();
        }
        List<String> c = new ArrayList<>();
        c.add(info.command().get());
        c.addAll(List.of(info.arguments().get()));
        return Optional.of(List.copyOf(c));
    }

    /**
     * A command that starts {@code mainClass} with {@code args} in a JVM like this one: this JVM's
     * java binary, its options (heap, --add-opens, -D... as the runtime reports them), the exports
     * and opens of java.base this JVM grants the class path (also those an executable jar's manifest
     * gave, which are not among the options: {@code java -jar} with Add-Opens), and its class path.
     */
    public static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        c.addAll(moduleGrants(PrivateMountNamespace.class.getModule()));
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(mainClass);
        c.addAll(args);
        return List.copyOf(c);
    }

    /**
     * --add-exports and --add-opens options for what java.base exports or opens to {@code module}
     * (the class path's unnamed module) beyond what it grants everyone.
     */
    static List<String> moduleGrants(Module module) {
        Module base = Object.class.getModule();
        String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        List<String> out = new ArrayList<>();
        for (String p : new java.util.TreeSet<>(base.getPackages())) {
            if (!base.isExported(p) && base.isExported(p, module)) {
                out.add("--add-exports=java.base/" + p + "=" + target);
            }
        }
        for (String p : new java.util.TreeSet<>(base.getPackages())) {
            if (!base.isOpen(p) && base.isOpen(p, module)) {
                out.add("--add-opens=java.base/" + p + "=" + target);
            }
        }
        return out;
    }

    private static Optional<Path> findOnPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
