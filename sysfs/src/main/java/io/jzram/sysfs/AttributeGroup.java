// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.module.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * struct attribute_group: an optional subdirectory name, a fixed list of attributes, an optional
 * is_visible callback (returns the mode to create a file with, 0 to leave it out) and, from the
 * seed's patch 09/12, an optional owner module, used for the group's directory and for every file
 * whose attribute has no owner of its own.
 *
 * <p>Declarative and immutable: a driver defines its groups once (the {@code ATTRIBUTE_GROUPS(foo)}
 * pattern, {@link #attributeGroups}) and hands the list to the device it registers; the driver core
 * creates the files when the device is added and removes them (draining their active references)
 * when it is deleted.
 *
 * @param <T> the object the files belong to
 */
public final class AttributeGroup<T> {

    /** {@code umode_t (*is_visible)(struct kobject *, struct attribute *, int n)}. */
    @FunctionalInterface
    public interface IsVisible<T> {
        int mode(T obj, Attribute<T> attr, int index);
    }

    private final String name;
    private final List<Attribute<T>> attributes;
    private final IsVisible<T> isVisible;
    private final Module owner;

    private AttributeGroup(String name, List<Attribute<T>> attributes, IsVisible<T> isVisible, Module owner) {
        this.name = name;
        this.attributes = List.copyOf(attributes);
        this.isVisible = isVisible;
        this.owner = owner;
        for (Attribute<T> a : this.attributes) {
            Objects.requireNonNull(a, "attribute");
        }
    }

    /** An unnamed group (files directly in the object's directory) of these attributes. */
    @SafeVarargs
    @SuppressWarnings("varargs")
    public static <T> AttributeGroup<T> of(Attribute<T>... attributes) {
        return new AttributeGroup<>(null, List.of(attributes), null, null);
    }

    /** A group of these attributes, built step by step. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * ATTRIBUTE_GROUPS(foo): {@code foo_group} (unnamed, the attributes {@code foo_attrs}, owned by
     * {@code owner}, which may be null) and {@code foo_groups = { &foo_group, NULL }}.
     */
    public static <T> List<AttributeGroup<T>> attributeGroups(Module owner, List<Attribute<T>> attributes) {
        return List.of(new AttributeGroup<>(null, attributes, null, owner));
    }

    /** A NULL-terminated array of groups, as a list. */
    @SafeVarargs
    @SuppressWarnings("varargs")
    public static <T> List<AttributeGroup<T>> groups(AttributeGroup<T>... groups) {
        return List.of(groups);
    }

    /** This group with an owner module. */
    public AttributeGroup<T> withOwner(Module module) {
        return new AttributeGroup<>(name, attributes, isVisible, module);
    }

    /** The subdirectory name, or null for files directly in the object's directory. */
    public String name() {
        return name;
    }

    public List<Attribute<T>> attributes() {
        return attributes;
    }

    /** The visibility callback, or null (every attribute with its own mode). */
    public IsVisible<T> isVisible() {
        return isVisible;
    }

    public Module owner() {
        return owner;
    }

    @Override
    public String toString() {
        return "group " + (name == null ? "(unnamed)" : name) + " " + attributes;
    }

    /** Builder for groups with a name, a visibility callback or an owner. */
    public static final class Builder<T> {
        private String name;
        private final List<Attribute<T>> attributes = new ArrayList<>();
        private IsVisible<T> isVisible;
        private Module owner;

        private Builder() {
        }

        public Builder<T> name(String name) {
            this.name = name;
            return this;
        }

        public Builder<T> add(Attribute<T> attribute) {
            attributes.add(Objects.requireNonNull(attribute));
            return this;
        }

        public Builder<T> addAll(List<Attribute<T>> list) {
            list.forEach(this::add);
            return this;
        }

        public Builder<T> isVisible(IsVisible<T> callback) {
            this.isVisible = callback;
            return this;
        }

        public Builder<T> owner(Module module) {
            this.owner = module;
            return this;
        }

        public AttributeGroup<T> build() {
            return new AttributeGroup<>(name, attributes, isVisible, owner);
        }
    }
}
