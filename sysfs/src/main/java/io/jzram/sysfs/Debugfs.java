// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.lib.Kstrtox;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.kernfs.FaultAttr;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsOpenFile;
import io.jzram.sysfs.kernfs.KernfsOps;
import io.jzram.sysfs.kernfs.KernfsRoot;
import io.jzram.sysfs.kernfs.PageBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * debugfs (fs/debugfs/), mounted at /sys/kernel/debug. The emulator keeps it in the sysfs kernfs
 * tree (so paths, modes and removal work the same), with debugfs's own file semantics:
 *
 * <ul>
 *   <li>{@link #createBool}: shows {@code Y\n}/{@code N\n}; a write is parsed with kstrtobool
 *       (first characters only) and returns the whole count.
 *   <li>{@link #createU32}, {@link #createUlong}, {@link #createAtomicInt} (simple_attr): show
 *       {@code %llu\n} / {@code %lld\n}; a write is cut to 23 characters, parsed with kstrtoull
 *       (kstrtoll for the signed one) in base 0 and stored truncated to the variable's width.
 *   <li>{@link #createFile}: a file with a driver's own show/store; while it is open its owner module
 *       is held (full_proxy_open's fops_get), so rmmod answers "in use".
 *   <li>{@link #createFaultAttr}: fault_create_debugfs_attr()'s directory of knobs.
 * </ul>
 *
 * <p>debugfs files have no lockdep class for their references (debugfs tracks its users itself).
 * Locking: kernfs's.
 */
public final class Debugfs {

    private final KernfsRoot kernfs;
    private final KernfsNode root;

    public Debugfs(Sysfs sysfs) {
        this.kernfs = sysfs.kernfs();
        KObject kernel = sysfs.dir(sysfs.root(), "kernel");
        KernfsNode existing = kernfs.lookup(kernel.directory(), "debug");
        this.root = existing != null ? existing : kernfs.createDir(kernel.directory(), "debug", 0700, null, null);
    }

    /** /sys/kernel/debug. */
    public KernfsNode root() {
        return root;
    }

    /** debugfs_create_dir(); {@code parent} null means the debugfs root. */
    public KernfsNode createDir(KernfsNode parent, String name) {
        return kernfs.createDir(parent == null ? root : parent, name, 0755, null, null);
    }

    /** debugfs_remove_recursive(). */
    public void remove(KernfsNode node) {
        if (node != null) {
            kernfs.remove(node);
        }
    }

    /** debugfs_create_bool(). */
    public KernfsNode createBool(KernfsNode parent, String name, int mode, BooleanSupplier get, Consumer<Boolean> set) {
        return kernfs.createFile(dir(parent), name, mode, 0, new DebugfsOps(null) {
            @Override
            public int show(KernfsOpenFile of, PageBuffer page) {
                return page.emit(get.getAsBoolean() ? "Y\n" : "N\n");
            }

            @Override
            public int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
                String s = new String(buf, 0, Math.min(len, 10), StandardCharsets.ISO_8859_1);
                set.accept(Kstrtox.kstrtobool(s));
                return len;
            }
        }, null, null, null);
    }

    /** debugfs_create_u32() (fops_u32: "%llu\n", set truncates to 32 bits). */
    public KernfsNode createU32(KernfsNode parent, String name, int mode, LongSupplier get, LongConsumer set) {
        return simpleAttr(parent, name, mode, get, v -> set.accept(v & 0xFFFF_FFFFL), false);
    }

    /** debugfs_create_ulong(). */
    public KernfsNode createUlong(KernfsNode parent, String name, int mode, LongSupplier get, LongConsumer set) {
        return simpleAttr(parent, name, mode, get, set, false);
    }

    /** debugfs_create_atomic_t() (signed: "%lld\n", kstrtoll, truncated to int). */
    public KernfsNode createAtomicInt(KernfsNode parent, String name, int mode, LongSupplier get, LongConsumer set) {
        return simpleAttr(parent, name, mode, get, v -> set.accept((int) v), true);
    }

    private KernfsNode simpleAttr(KernfsNode parent, String name, int mode, LongSupplier get, LongConsumer set, boolean signed) {
        return kernfs.createFile(dir(parent), name, mode, 0, new DebugfsOps(null) {
            @Override
            public int show(KernfsOpenFile of, PageBuffer page) {
                long v = get.getAsLong();
                return page.emit((signed ? Long.toString(v) : Long.toUnsignedString(v)) + "\n");
            }

            @Override
            public int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
                int n = Math.min(len, 23);
                String s = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                long v = signed ? Kstrtox.kstrtoll(s, 0) : Kstrtox.kstrtoull(s, 0);
                set.accept(v);
                return len;
            }
        }, null, null, null);
    }

    /** A debugfs file's own operations. */
    public interface FileOps {
        /** The file's content; null when the file cannot be read. */
        String read();

        /** Handles one write; returns the bytes consumed. */
        int write(byte[] data, int len);
    }

    /**
     * debugfs_create_file() with a driver's fops: {@code owner} is fops->owner, held while the file
     * is open (ENODEV when the module is going).
     */
    public KernfsNode createFile(KernfsNode parent, String name, int mode, Module owner, FileOps fops) {
        return kernfs.createFile(dir(parent), name, mode, 0, new DebugfsOps(owner) {
            @Override
            public int show(KernfsOpenFile of, PageBuffer page) {
                String s = fops.read();
                if (s == null) {
                    throw new ErrnoException(Errno.EINVAL, name + " cannot be read");
                }
                return page.emit(s);
            }

            @Override
            public int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
                return fops.write(buf, len);
            }
        }, null, null, owner);
    }

    /**
     * fault_create_debugfs_attr(): {@code name/} with probability, interval, times, space, verbose,
     * verbose_ratelimit_interval_ms, verbose_ratelimit_burst and task-filter (all 0600).
     */
    public KernfsNode createFaultAttr(KernfsNode parent, String name, FaultAttr attr) {
        KernfsNode dir = createDir(parent, name);
        createUlong(dir, "probability", 0600, attr::probability, attr::setProbability);
        createUlong(dir, "interval", 0600, attr::interval, attr::setInterval);
        createAtomicInt(dir, "times", 0600, attr::times, v -> attr.setTimes((int) v));
        createAtomicInt(dir, "space", 0600, attr::space, v -> attr.setSpace((int) v));
        createUlong(dir, "verbose", 0600, attr::verbose, attr::setVerbose);
        createU32(dir, "verbose_ratelimit_interval_ms", 0600, attr::ratelimitIntervalMs, attr::setRatelimitIntervalMs);
        createU32(dir, "verbose_ratelimit_burst", 0600, attr::ratelimitBurst, attr::setRatelimitBurst);
        createBool(dir, "task-filter", 0600, attr::taskFilter, attr::setTaskFilter);
        return dir;
    }

    private KernfsNode dir(KernfsNode parent) {
        return parent == null ? root : parent;
    }

    /** Base ops: readable and writable, holding the owner module while open. */
    private abstract static class DebugfsOps implements KernfsOps {
        private final Module owner;

        DebugfsOps(Module owner) {
            this.owner = owner;
        }

        @Override
        public boolean hasRead() {
            return true;
        }

        @Override
        public boolean hasWrite() {
            return true;
        }

        @Override
        public boolean isDebugfs() {
            return true;
        }

        @Override
        public void open(KernfsOpenFile of) {
            if (owner != null && !owner.tryGet()) {
                throw new ErrnoException(Errno.ENODEV, "module " + owner.name() + " is going away");
            }
        }

        @Override
        public void release(KernfsOpenFile of) {
            if (owner != null) {
                owner.put();
            }
        }
    }
}
