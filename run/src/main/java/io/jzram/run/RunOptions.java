// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.zram.ZramFixes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code jzram run} boots and runs: the machine's options (as {@code jzram serve}'s and
 * {@code jzram sh}'s) and the command. Immutable; passed from the outer process to the inner one as
 * program arguments ({@link #toArgs()}, {@link #parse}).
 *
 * @param cpus             virtual CPUs
 * @param devices          zram's num_devices at the boot load
 * @param zram             whether zram is loaded at boot (as where it is built in)
 * @param fixes            the zram fix set (none, seed, upstream, all, patch11)
 * @param kconfig          zram's build options: full or real
 * @param lockdep          CONFIG_PROVE_LOCKING
 * @param seed             the machine's random seed
 * @param hungTaskTimeout  hung_task_timeout_secs: a task blocked this long is a deadlock, broken
 * @param verdictOnly      print only the verdict (no kernel log excerpt)
 * @param command          the program and its arguments
 */
public record RunOptions(int cpus, int devices, boolean zram, String fixes, String kconfig, boolean lockdep, long seed,
        Duration hungTaskTimeout, boolean verdictOnly, List<String> command) {

    public RunOptions {
        command = List.copyOf(command);
        Objects.requireNonNull(fixes);
        Objects.requireNonNull(kconfig);
        Objects.requireNonNull(hungTaskTimeout);
    }

    /** Checks the values; an IllegalArgumentException says which is wrong, in a sentence. */
    public RunOptions validate() {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command given (jzram run [OPTIONS] -- CMD [ARGS...])");
        }
        if (cpus < 1 || cpus > 1024) {
            throw new IllegalArgumentException("--cpus " + cpus + ": expected 1..1024");
        }
        if (devices < 0 || devices > 256) {
            throw new IllegalArgumentException("--devices " + devices + ": expected 0..256");
        }
        try {
            ZramFixes.parse(fixes);
        } catch (ErrnoException e) {
            throw new IllegalArgumentException("--fixes " + fixes + ": expected none, seed, upstream, all or patch11", e);
        }
        if (!kconfig.equals("full") && !kconfig.equals("real")) {
            throw new IllegalArgumentException("--kconfig " + kconfig + ": expected full or real");
        }
        if (hungTaskTimeout.isNegative()) {
            throw new IllegalArgumentException("--hung-task-timeout must not be negative");
        }
        return this;
    }

    /** The options as program arguments for the inner process. */
    List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of(Integer.toString(cpus), Integer.toString(devices), Boolean.toString(zram), fixes,
                kconfig, Boolean.toString(lockdep), Long.toString(seed), Long.toString(hungTaskTimeout.toMillis()),
                Boolean.toString(verdictOnly), "--"));
        a.addAll(command);
        return a;
    }

    /** Parses {@link #toArgs()} (from {@code from} on). */
    static RunOptions parse(List<String> a) {
        if (a.size() < 11 || !a.get(9).equals("--")) {
            throw new IllegalArgumentException("bad inner arguments: " + a);
        }
        return new RunOptions(Integer.parseInt(a.get(0)), Integer.parseInt(a.get(1)), Boolean.parseBoolean(a.get(2)), a.get(3),
                a.get(4), Boolean.parseBoolean(a.get(5)), Long.parseLong(a.get(6)), Duration.ofMillis(Long.parseLong(a.get(7))),
                Boolean.parseBoolean(a.get(8)), a.subList(10, a.size()));
    }
}
