// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.module.Module;
import io.jzram.sysfs.kernfs.PageBuffer;
import java.util.Objects;

/**
 * An attribute definition (struct attribute with its show/store, as struct device_attribute and
 * struct class_attribute carry them): name, mode, show and store over the object the directory
 * belongs to ({@code T}: a {@link Device}, a {@link DeviceClass}, ...), and the optional owner
 * module of the seed's patch 09/12.
 *
 * <p>Like the kernel's static {@code dev_attr_foo}, one Attribute object is one definition: its
 * identity is the lockdep key of the files made from it (their active references share one
 * {@code kn->active#N} class). Immutable; safe to share between devices and threads.
 *
 * <p>show returns the number of bytes it put in the page; store returns the bytes it consumed
 * (normally {@code buf.count()}); both fail by throwing {@link io.jzram.kernel.ErrnoException}
 * (or, C-style, by returning a negative errno number).
 *
 * @param <T> the object a file of this attribute belongs to
 */
public final class Attribute<T> {

    /** {@code ssize_t (*show)(obj, attr, char *buf)}. */
    @FunctionalInterface
    public interface Show<T> {
        int show(T obj, PageBuffer buf);
    }

    /** {@code ssize_t (*store)(obj, attr, const char *buf, size_t count)}. */
    @FunctionalInterface
    public interface Store<T> {
        int store(T obj, StoreBuffer buf);
    }

    private final String name;
    private final int mode;
    private final Show<T> show;
    private final Store<T> store;
    private final Module owner;
    private final boolean ignoreLockdep;

    private Attribute(String name, int mode, Show<T> show, Store<T> store, Module owner, boolean ignoreLockdep) {
        this.name = Objects.requireNonNull(name, "name");
        this.mode = mode;
        this.show = show;
        this.store = store;
        this.owner = owner;
        this.ignoreLockdep = ignoreLockdep;
    }

    /** __ATTR(name, mode, show, store). */
    public static <T> Attribute<T> of(String name, int mode, Show<T> show, Store<T> store) {
        return new Attribute<>(name, mode, show, store, null, false);
    }

    /** __ATTR_RO: mode 0444. */
    public static <T> Attribute<T> ro(String name, Show<T> show) {
        return of(name, 0444, show, null);
    }

    /** __ATTR_RW: mode 0644. */
    public static <T> Attribute<T> rw(String name, Show<T> show, Store<T> store) {
        return of(name, 0644, show, store);
    }

    /** __ATTR_WO: mode 0200. */
    public static <T> Attribute<T> wo(String name, Store<T> store) {
        return of(name, 0200, null, store);
    }

    /** __ATTR_RO_MODE(name, 0400) and friends: a read-only attribute with a narrower mode. */
    public static <T> Attribute<T> roMode(String name, int mode, Show<T> show) {
        return of(name, mode, show, null);
    }

    /** The same attribute with an owner module (the seed's {@code .owner = THIS_MODULE}). */
    public Attribute<T> withOwner(Module module) {
        return new Attribute<>(name, mode, show, store, module, ignoreLockdep);
    }

    /** The same attribute without a lockdep class for its files' active references. */
    public Attribute<T> ignoringLockdep() {
        return new Attribute<>(name, mode, show, store, owner, true);
    }

    public String name() {
        return name;
    }

    public int mode() {
        return mode;
    }

    /** The show function, or null. */
    public Show<T> show() {
        return show;
    }

    /** The store function, or null. */
    public Store<T> store() {
        return store;
    }

    /** The owner module, or null. */
    public Module owner() {
        return owner;
    }

    public boolean ignoreLockdep() {
        return ignoreLockdep;
    }

    @Override
    public String toString() {
        return name + String.format(" %04o", mode);
    }
}
