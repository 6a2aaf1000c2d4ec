// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import io.jzram.sysfs.zram.ZramFixes;
import io.jzram.sysfs.zram.ZramKconfig;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options that describe the emulated machine, one spelling for every command that boots one
 * (storm, sh, serve): {@code --cpus}, {@code --fixes}, {@code --kconfig}, {@code --seed} and
 * {@code --[no-]lockdep}. A command mixes in {@link LockdepOn} or {@link LockdepOff} (picocli's
 * negatable options take their default from the annotation, so each default needs its own
 * annotation) and gives its own default fix set; everything else is the same everywhere. The
 * options that only some commands have ({@code --devices}, {@code --disksize},
 * {@code --algorithm}) are declared by those commands with the help texts below.
 */
public abstract class MachineOptions {

    /** {@code --devices}' help, after the default. */
    public static final String DEVICES = "zram devices: modprobe zram num_devices=N";
    /** {@code --disksize}' help. */
    public static final String DISKSIZE = "disksize of every device, in bytes with an optional K, M, G, T, P or E suffix "
            + "(powers of 1024), e.g. 512M";
    /** {@code --algorithm}' help. */
    public static final String ALGORITHM = "compression algorithm of the devices: lzo-rle, lzo, lz4, lz4hc, zstd or deflate "
            + "(--kconfig real: lzo-rle, lzo or lz4)";

    private static final String LOCKDEP = "lockdep (the kernel's CONFIG_PROVE_LOCKING): checks the order of every kernel "
            + "lock taken and reports a possible deadlock the first time two locks are taken in both orders; slower";

    @Option(names = "--cpus", paramLabel = "N", description = "virtual CPUs of the machine (default: ${DEFAULT-VALUE})")
    int cpus = 4;

    @Option(names = "--fixes", paramLabel = "SET", converter = FixSets.class, completionCandidates = FixSets.class,
            description = {"which fixes the zram driver carries (default: ${DEFAULT-VALUE}):",
                "none: the 5.15 driver, before any fix for module unload racing sysfs;",
                "seed: the 2021 patch series as posted (fails: hot_remove deadlocks against a disksize or reset write);",
                "upstream: the fixes Linux 5.16 took, as in the 6.18 kernel;",
                "all: upstream plus the series' sysfs fix and its zram_up guard;",
                "patch11: only the series' zram patch (11 of 12), without its sysfs half (fails: module unload deadlocks "
                    + "against a sysfs write)"})
    String fixes;

    @Option(names = "--kconfig", paramLabel = "CONFIG", converter = Kconfigs.class, completionCandidates = Kconfigs.class,
            description = "the zram driver's build options: full (writeback, recompression and access times: every file "
                    + "the driver can have, every backend) or real (none of them and the backends lzo-rle, lzo and lz4 only: "
                    + "exactly the 6.18 kernel of the project's machines); lzo-rle is the default algorithm of both "
                    + "(default: ${DEFAULT-VALUE})")
    String kconfig = "full";

    @Option(names = "--seed", paramLabel = "S", description = "random seed of the machine and of everything the command "
            + "chooses at random, to replay a run (default: a new one each run)")
    Long seed;

    /** Set by the subclass' option. */
    Boolean lockdep;

    private final boolean lockdepDefault;

    MachineOptions(ZramFixes defaultFixes, boolean lockdepDefault) {
        this.fixes = defaultFixes.paramValue();
        this.lockdepDefault = lockdepDefault;
    }

    public int cpus() {
        return cpus;
    }

    public ZramFixes fixes() {
        return ZramFixes.parse(fixes);
    }

    public ZramKconfig kconfig() {
        return kconfig.equals("real") ? ZramKconfig.realKernel() : ZramKconfig.full();
    }

    public String kconfigName() {
        return kconfig;
    }

    /** The seed given, or null. */
    public Long seed() {
        return seed;
    }

    public boolean lockdep() {
        return lockdep != null ? lockdep : lockdepDefault;
    }

    /** For storm and sh: lockdep on unless {@code --no-lockdep}. */
    public static final class LockdepOn extends MachineOptions {
        public LockdepOn(ZramFixes defaultFixes) {
            super(defaultFixes, true);
        }

        @Option(names = "--no-lockdep", negatable = true, description = LOCKDEP + " (default: on)")
        void noLockdep(boolean off) {
            lockdep = !off;
        }
    }

    /** For serve: lockdep off unless {@code --lockdep}. */
    public static final class LockdepOff extends MachineOptions {
        public LockdepOff(ZramFixes defaultFixes) {
            super(defaultFixes, false);
        }

        @Option(names = "--lockdep", negatable = true, description = LOCKDEP + " (default: off)")
        void lockdep(boolean on) {
            lockdep = on;
        }
    }

    /** A choice among fixed lower-case words: the converter and the completion candidates. */
    abstract static class Choice implements CommandLine.ITypeConverter<String>, Iterable<String> {
        private final String what;
        private final List<String> words;

        Choice(String what, List<String> words) {
            this.what = what;
            this.words = words;
        }

        @Override
        public String convert(String value) {
            String v = value.toLowerCase(Locale.ROOT);
            if (!words.contains(v)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not " + what + " (expected one of "
                        + String.join(", ", words) + ")");
            }
            return v;
        }

        @Override
        public Iterator<String> iterator() {
            return words.iterator();
        }
    }

    /** none, seed, upstream, all, patch11. */
    public static final class FixSets extends Choice {
        public FixSets() {
            super("a fix set", Arrays.stream(ZramFixes.values()).map(ZramFixes::paramValue).toList());
        }
    }

    /** full, real. */
    public static final class Kconfigs extends Choice {
        public Kconfigs() {
            super("a kconfig", List.of("full", "real"));
        }
    }
}
