// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.kernfs.KernfsNode;
import io.jzram.sysfs.kernfs.KernfsOpenFile;
import io.jzram.sysfs.kernfs.KernfsOps;
import io.jzram.sysfs.kernfs.KernfsRoot;
import io.jzram.sysfs.kernfs.PageBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * sysfs (fs/sysfs/): kobject directories, attribute files and groups on a kernfs root mounted at
 * /sys, with the semantics of fs/sysfs/file.c and group.c.
 *
 * <ul>
 *   <li>A file's show runs like sysfs_kf_seq_show + dev_attr_show: a missing show is EIO, a
 *       negative return an errno, a count of PAGE_SIZE or more is logged ("fill_read_buffer: ...
 *       returned bad count") and cut to PAGE_SIZE - 1.
 *   <li>A file's store runs like sysfs_kf_write + dev_attr_store: a zero-length write returns 0
 *       without calling store; a missing store is EIO.
 *   <li>Both first call {@link Module#enterText} on the file's owner, so a file left behind by an
 *       unloaded module oopses instead of running freed code.
 *   <li>Groups (internal_create_group/create_files): the mode comes from is_visible when there is
 *       one (0 leaves the file out), is WARNed about if it has bits beyond 0664 and cut to them; a
 *       failure removes what the group created. A named group is a 0755 directory owned by the
 *       group's owner. Removal (sysfs_remove_group) removes the files by name, then the directory.
 *   <li>A file's lockdep class for active references ({@code kn->active#N}) is one per attribute
 *       definition, made on first use (per machine).
 * </ul>
 *
 * <p>Locking: none of its own beyond kernfs's; the class map is guarded by its monitor.
 */
public final class Sysfs {

    private final Kernel kernel;
    private final KernfsRoot kernfs;
    private final KObject root;
    private final Map<Attribute<?>, LockClass> activeClasses = new IdentityHashMap<>();
    private int nextAttributeKey;

    public Sysfs(Kernel kernel, Random random) {
        this.kernel = kernel;
        this.kernfs = new KernfsRoot(kernel, "sysfs", true, random);
        this.root = new KObject("", null, kernfs.root());
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The kernfs root mounted at /sys. */
    public KernfsRoot kernfs() {
        return kernfs;
    }

    /** /sys itself. */
    public KObject root() {
        return root;
    }

    // ---------------------------------------------------------------- directories

    /** sysfs_create_dir_ns(): a 0755 directory for a kobject (no owner module, as in the patch). */
    public KObject createDir(KObject parent, String name) {
        KernfsNode dir = kernfs.createDir(parent.directory(), name, 0755, null, null);
        return new KObject(name, parent, dir);
    }

    /** The existing directory {@code name} below {@code parent} as a kobject, or a new one. */
    public KObject dir(KObject parent, String name) {
        KernfsNode kn = kernfs.lookup(parent.directory(), name);
        if (kn != null && kn.isDir()) {
            return new KObject(name, parent, kn);
        }
        try {
            return createDir(parent, name);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                KernfsNode again = kernfs.lookup(parent.directory(), name);
                if (again != null && again.isDir()) {
                    return new KObject(name, parent, again);
                }
            }
            throw e;
        }
    }

    /** sysfs_remove_dir() via kobject_del(): removes the directory and all it still holds. */
    public void removeDir(KObject kobj) {
        kernfs.remove(kobj.directory());
    }

    // ---------------------------------------------------------------- files

    /** sysfs_create_file(): the attribute's own mode and owner. */
    public <T> KernfsNode createFile(KObject kobj, Attribute<T> attr, T obj) {
        return addFile(kobj.directory(), attr, obj, attr.mode(), null);
    }

    /** sysfs_remove_file(): ENOENT is ignored, as the kernel's is. */
    public void removeFile(KObject kobj, String name) {
        KernfsNode kn = kernfs.find(kobj.directory(), name);
        if (kn != null) {
            kernfs.remove(kn);
        }
    }

    /** sysfs_add_file_mode_ns(). */
    <T> KernfsNode addFile(KernfsNode dir, Attribute<T> attr, T obj, int mode, Module groupOwner) {
        Module owner = attr.owner() != null ? attr.owner() : groupOwner;
        LockClass cls = attr.ignoreLockdep() ? null : activeClassOf(attr);
        try {
            return kernfs.createFile(dir, attr.name(), mode & 0777, PageBuffer.PAGE_SIZE, new AttributeOps<>(this, attr, obj),
                    attr, cls, owner);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                kernel.log().warn("sysfs: cannot create duplicate filename '" + dir.path() + "/" + attr.name() + "'");
            }
            throw e;
        }
    }

    private LockClass activeClassOf(Attribute<?> attr) {
        synchronized (activeClasses) {
            LockClass c = activeClasses.get(attr);
            if (c == null) {
                c = kernel.lockdep().classFor("sysfs:attr#" + (nextAttributeKey++) + ":" + attr.name(), "kn->active",
                        LockClass.Kind.PSEUDO);
                activeClasses.put(attr, c);
            }
            return c;
        }
    }

    // ---------------------------------------------------------------- groups

    /** sysfs_create_group(). */
    public <T> void createGroup(KObject kobj, AttributeGroup<T> grp, T obj) {
        KernfsNode parent = kobj.directory();
        KernfsNode dir = parent;
        if (grp.name() != null) {
            try {
                dir = kernfs.createDir(parent, grp.name(), 0755, obj, grp.owner());
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EEXIST) {
                    kernel.log().warn("sysfs: cannot create duplicate filename '" + parent.path() + "/" + grp.name() + "'");
                }
                throw e;
            }
        }
        List<KernfsNode> created = new ArrayList<>();
        try {
            List<Attribute<T>> attrs = grp.attributes();
            for (int i = 0; i < attrs.size(); i++) {
                Attribute<T> a = attrs.get(i);
                int mode = a.mode();
                if (grp.isVisible() != null) {
                    mode = grp.isVisible().mode(obj, a, i);
                    if (mode == 0) {
                        continue;
                    }
                }
                if ((mode & ~0664) != 0) {
                    kernel.log().warnSplat("fs/sysfs/group.c:61 create_files",
                            String.format("Attribute %s: Invalid permissions 0%o", a.name(), mode));
                }
                mode &= 0664;
                created.add(addFile(dir, a, obj, mode, grp.owner()));
            }
        } catch (RuntimeException e) {
            if (dir != parent) {
                kernfs.remove(dir);
            } else {
                for (KernfsNode kn : created) {
                    kernfs.remove(kn);
                }
            }
            throw e;
        }
    }

    /** sysfs_create_groups(): all or nothing. */
    public <T> void createGroups(KObject kobj, List<AttributeGroup<T>> groups, T obj) {
        if (groups == null) {
            return;
        }
        List<AttributeGroup<T>> done = new ArrayList<>();
        try {
            for (AttributeGroup<T> g : groups) {
                createGroup(kobj, g, obj);
                done.add(g);
            }
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                removeGroup(kobj, done.get(i));
            }
            throw e;
        }
    }

    /** sysfs_remove_group(): removes (and drains) the group's files, then its directory. */
    public <T> void removeGroup(KObject kobj, AttributeGroup<T> grp) {
        KernfsNode dir = kobj.directory();
        if (grp.name() != null) {
            dir = kernfs.find(kobj.directory(), grp.name());
            if (dir == null) {
                kernel.log().warnSplat("fs/sysfs/group.c:278 sysfs_remove_group",
                        "sysfs group '" + grp.name() + "' not found for kobject '" + kobj.name() + "'");
                return;
            }
        }
        for (Attribute<T> a : grp.attributes()) {
            KernfsNode kn = kernfs.find(dir, a.name());
            if (kn != null) {
                kernfs.remove(kn);
            }
        }
        if (grp.name() != null) {
            kernfs.remove(dir);
        }
    }

    /** sysfs_remove_groups(). */
    public <T> void removeGroups(KObject kobj, List<AttributeGroup<T>> groups) {
        if (groups == null) {
            return;
        }
        for (AttributeGroup<T> g : groups) {
            removeGroup(kobj, g);
        }
    }

    // ---------------------------------------------------------------- links

    /** sysfs_create_link(): {@code kobj/name -> target}. */
    public KernfsNode createLink(KObject kobj, KObject target, String name) {
        return kernfs.createLink(kobj.directory(), name, target.directory());
    }

    /** sysfs_remove_link(): a missing link is ignored. */
    public void removeLink(KObject kobj, String name) {
        KernfsNode kn = kernfs.find(kobj.directory(), name);
        if (kn != null && kn.isLink()) {
            kernfs.remove(kn);
        }
    }

    // ---------------------------------------------------------------- file ops

    /** sysfs_file_kfops_rw with dev_attr_show/dev_attr_store (and their class/kobj twins). */
    private static final class AttributeOps<T> implements KernfsOps {
        private final Sysfs sysfs;
        private final Attribute<T> attr;
        private final T obj;

        AttributeOps(Sysfs sysfs, Attribute<T> attr, T obj) {
            this.sysfs = sysfs;
            this.attr = attr;
            this.obj = obj;
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
        public int show(KernfsOpenFile of, PageBuffer page) {
            if (attr.show() == null) {
                throw new ErrnoException(Errno.EIO, attr.name() + " has no show");
            }
            Module.enterText(of.node().owner(), attr.name() + "_show");
            int count = attr.show().show(obj, page);
            if (count < 0) {
                throw new ErrnoException(Errno.of(count), attr.name() + "_show returned " + count);
            }
            if (count >= PageBuffer.PAGE_SIZE) {
                sysfs.kernel.log().info("dev_attr_show: " + attr.name() + "_show returned bad count");
                sysfs.kernel.log().info("fill_read_buffer: " + attr.name() + "_show returned bad count");
                count = PageBuffer.PAGE_SIZE - 1;
            }
            return count;
        }

        @Override
        public int write(KernfsOpenFile of, byte[] buf, int len, long pos) {
            if (len == 0) {
                return 0;
            }
            if (attr.store() == null) {
                throw new ErrnoException(Errno.EIO, attr.name() + " has no store");
            }
            Module.enterText(of.node().owner(), attr.name() + "_store");
            int ret = attr.store().store(obj, new StoreBuffer(buf, len));
            if (ret < 0) {
                throw new ErrnoException(Errno.of(ret), attr.name() + "_store returned " + ret);
            }
            return ret;
        }
    }
}
