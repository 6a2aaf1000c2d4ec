// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A lockdep lock class (struct lock_class): every lock initialised from the same static key shares
 * one class, and lockdep's dependency graph has classes, not lock instances, as its nodes. Classes
 * are made and looked up by {@link Lockdep#classFor}; names repeated across keys get the kernel's
 * {@code #N} suffix ({@code kn->active#42}).
 *
 * <p>The forward edges ("after this class, that class was taken") hang off the class; they are
 * added under the owning Lockdep's graph lock and read without it.
 */
public final class LockClass {

    /** What kind of primitive a class belongs to; it decides how lockdep prints the class. */
    public enum Kind {
        /** A sleeping mutex. */
        MUTEX("{+.+.}-{4:4}"),
        /** A reader/writer semaphore. */
        RWSEM("{++++}-{4:4}"),
        /**
         * A pseudo-lock: no lock at all, but a dependency lockdep tracks (a kernfs active
         * reference, the CPU-hotplug lock's read side).
         */
        PSEUDO("{++++}-{0:0}");

        private final String usage;

        Kind(String usage) {
            this.usage = usage;
        }

        String usage() {
            return usage;
        }
    }

    private final int id;
    private final String key;
    private final String name;
    private final Kind kind;
    final ConcurrentHashMap<LockClass, Lockdep.Dependency> after = new ConcurrentHashMap<>();

    LockClass(int id, String key, String name, Kind kind) {
        this.id = id;
        this.key = key;
        this.name = name;
        this.kind = kind;
    }

    /** The static key this class was made for. */
    public String key() {
        return key;
    }

    /** The name lockdep prints, e.g. {@code &zram->init_lock} or {@code kn->active#3}. */
    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public int id() {
        return id;
    }

    /** {@code (name){+.+.}-{4:4}} as lockdep prints a class. */
    public String describe() {
        return "(" + name + ")" + kind.usage();
    }

    @Override
    public String toString() {
        return name;
    }
}
