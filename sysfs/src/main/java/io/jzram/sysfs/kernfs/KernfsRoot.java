// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.ActiveRefCount;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.RwSemaphore;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * struct kernfs_root with the tree operations of fs/kernfs/dir.c and symlink.c: create directories,
 * files and symlinks, look nodes up, get and put active references, and remove subtrees with
 * deactivate-then-drain.
 *
 * <p><b>Active references</b> (kernfs_get_active/kernfs_put_active): every show, store and open runs
 * between a get and a put on its node. {@link #remove} first deactivates the whole subtree (new gets
 * fail, so operations answer ENODEV) and then drains each node, sleeping until the references taken
 * before the deactivation are put. The drain goes through the kernel's {@link ActiveRefCount}, so
 * lockdep sees it as a write acquisition of the node's {@code kn->active#N} class (recording a
 * dependency on every lock the remover holds) and the hung-task watchdog sees the sleep. This is
 * the 2021 kernfs_drain (the seed's base), which annotates every drain; 6.18 skips the annotation
 * when nothing is left to drain.
 *
 * <p><b>The seed's generic fix</b> (patch 09/12), {@link #setOwnerReferenceFix}: when on, getting
 * an active reference also does try_module_get(kn->owner) and fails (ENODEV for the caller) once
 * the owner is going; the reference holds the module until it is put, so rmmod answers "in use"
 * while a show/store runs. The patch left lockdep's annotations alone, so a lockdep kernel still
 * reports the store-vs-exit cycle as soon as a store and a module exit with the shared lock have
 * both happened, and so does jzram: every drain is annotated. What jzram adds is the reason such a
 * report cannot deadlock: a drain of a node whose owner is going, with the fix on and no reference
 * on it taken without the module, records its dependencies as ones that cannot block
 * ({@link #OWNER_GOING_DRAIN}), and lockdep's verdict on the cycle says so.
 *
 * <p><b>Locking</b>: {@code kernfs_rwsem} (a lockdep-visible rw-semaphore) guards the tree's
 * structure; lookups take it for read, creation and removal for write. Removal drops it around each
 * drain, as kernfs_drain does, so no lock dependency on it is recorded by the wait. Nothing here is
 * called with the rwsem held across a show or store.
 *
 * <p>{@code extraOpenPermCheck} is KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK (sysfs sets it): opening for
 * read needs a read bit and a read op, for write a write bit and a write op, for everyone, root
 * included.
 */
public final class KernfsRoot {

    private final Kernel kernel;
    private final String name;
    private final boolean extraOpenPermCheck;
    private final RwSemaphore rwsem;
    private final LockClass ofMutexClass;
    private final KernfsNode rootNode;
    private final KernfsFailureInjection failureInjection;
    private final AtomicLong nextIno = new AtomicLong(1);
    private final LongAdder ownerRefusals = new LongAdder();
    private final LongAdder drains = new LongAdder();
    private final LongAdder drainsThatWaited = new LongAdder();
    private volatile boolean ownerReferenceFix;

    /**
     * A root named {@code name} (for lock class names); {@code random} drives the fault attribute's
     * probability draws.
     */
    public KernfsRoot(Kernel kernel, String name, boolean extraOpenPermCheck, Random random) {
        this.kernel = kernel;
        this.name = name;
        this.extraOpenPermCheck = extraOpenPermCheck;
        this.rwsem = new RwSemaphore(kernel,
                kernel.lockdep().classFor("kernfs:" + name + ":kernfs_rwsem", "&root->kernfs_rwsem", LockClass.Kind.RWSEM));
        this.ofMutexClass = kernel.lockdep().classFor("kernfs:" + name + ":of->mutex", "&of->mutex", LockClass.Kind.MUTEX);
        this.rootNode = new KernfsNode(this, "", KernfsNodeType.DIR, 0755, null, null, null, null, 0,
                new ActiveRefCount(kernel, null, name + ":/"), nextIno.getAndIncrement());
        this.failureInjection = new KernfsFailureInjection(kernel, random);
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The root directory. */
    public KernfsNode root() {
        return rootNode;
    }

    public boolean extraOpenPermCheck() {
        return extraOpenPermCheck;
    }

    /** The seed's generic fix (patch 09/12): active references also hold the owner module. */
    public boolean ownerReferenceFix() {
        return ownerReferenceFix;
    }

    /** Turns the generic fix on (true) or off (false: the pre-fix kernel, the default). */
    public void setOwnerReferenceFix(boolean on) {
        this.ownerReferenceFix = on;
    }

    /** The failure injection knobs of the write path (patch 04/12). */
    public KernfsFailureInjection failureInjection() {
        return failureInjection;
    }

    LockClass ofMutexClass() {
        return ofMutexClass;
    }

    /** Gets refused because the owner module was going (the generic fix at work). */
    public long ownerRefusals() {
        return ownerRefusals.sum();
    }

    /** Drains done by removals, and how many of them had to sleep for references in flight. */
    public long drains() {
        return drains.sum();
    }

    public long drainsThatWaited() {
        return drainsThatWaited.sum();
    }

    // ---------------------------------------------------------------- creation

    /** kernfs_create_dir_ns(): EEXIST for a taken name, ENOENT when the parent is being removed. */
    public KernfsNode createDir(KernfsNode parent, String name, int mode, Object priv, Module owner) {
        KernfsNode kn = new KernfsNode(this, checkName(name), KernfsNodeType.DIR, mode & 07777, owner, null, priv, null, 0,
                new ActiveRefCount(kernel, null, name), nextIno.getAndIncrement());
        addOne(parent, kn);
        return kn;
    }

    /**
     * __kernfs_create_file(): a file with {@code ops}; {@code lockClass} is the class of its active
     * references (one per static attribute definition, named kn->active#N) or null for none.
     */
    public KernfsNode createFile(KernfsNode parent, String name, int mode, long size, KernfsOps ops, Object priv,
            LockClass lockClass, Module owner) {
        if (ops == null) {
            throw new IllegalArgumentException("a kernfs file needs ops");
        }
        KernfsNode kn = new KernfsNode(this, checkName(name), KernfsNodeType.FILE, mode & 07777, owner, ops, priv, null, size,
                new ActiveRefCount(kernel, lockClass, name), nextIno.getAndIncrement());
        addOne(parent, kn);
        return kn;
    }

    /** kernfs_create_link(): mode 0777; the link's owner is its target's (patch 09/12). */
    public KernfsNode createLink(KernfsNode parent, String name, KernfsNode target) {
        if (target.root() != this) {
            throw new IllegalArgumentException("symlink target in another kernfs root");
        }
        KernfsNode kn = new KernfsNode(this, checkName(name), KernfsNodeType.LINK, 0777, target.owner(), null, null, target, 0,
                new ActiveRefCount(kernel, null, name), nextIno.getAndIncrement());
        addOne(parent, kn);
        return kn;
    }

    private static String checkName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
            throw new ErrnoException(Errno.EINVAL, "bad kernfs node name '" + name + "'");
        }
        return name;
    }

    /** kernfs_add_one(). */
    private void addOne(KernfsNode parent, KernfsNode kn) {
        rwsem.writeLock();
        try {
            if (!parent.isDir()) {
                throw new ErrnoException(Errno.ENOTDIR, parent.path() + " is not a directory");
            }
            if (!parent.isActive()) {
                throw new ErrnoException(Errno.ENOENT, parent.path() + " is being removed");
            }
            if (parent.children.containsKey(kn.name())) {
                throw new ErrnoException(Errno.EEXIST, "duplicate name " + parent.path() + "/" + kn.name());
            }
            parent.children.put(kn.name(), kn);
            kn.parent = parent;
        } finally {
            rwsem.writeUnlock();
        }
    }

    // ---------------------------------------------------------------- lookup

    /** kernfs_find_ns(): the child of that name, active or not (null when there is none). */
    public KernfsNode find(KernfsNode parent, String name) {
        if (!parent.isDir()) {
            return null;
        }
        rwsem.readLock();
        try {
            return parent.children.get(name);
        } finally {
            rwsem.readUnlock();
        }
    }

    /** kernfs_iop_lookup(): the child only if it is active (a node being removed is not found). */
    public KernfsNode lookup(KernfsNode parent, String name) {
        KernfsNode kn = find(parent, name);
        return kn != null && kn.isActive() ? kn : null;
    }

    /** kernfs_fop_readdir(): the active children, by name. */
    public List<KernfsNode> list(KernfsNode dir) {
        if (!dir.isDir()) {
            throw new ErrnoException(Errno.ENOTDIR, dir.path() + " is not a directory");
        }
        rwsem.readLock();
        try {
            List<KernfsNode> out = new ArrayList<>(dir.children.size());
            for (KernfsNode kn : dir.children.values()) {
                if (kn.isActive()) {
                    out.add(kn);
                }
            }
            return out;
        } finally {
            rwsem.readUnlock();
        }
    }

    /** kernfs_get_target_path(): the relative path a symlink's readlink shows. */
    public String linkTargetPath(KernfsNode link) {
        if (!link.isLink()) {
            throw new ErrnoException(Errno.EINVAL, link.path() + " is not a symlink");
        }
        List<KernfsNode> from = ancestors(link.parent());
        List<KernfsNode> to = ancestors(link.target());
        int common = 0;
        while (common < from.size() && common < to.size() && from.get(common) == to.get(common)) {
            common++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = common; i < from.size(); i++) {
            sb.append("../");
        }
        for (int i = common; i < to.size(); i++) {
            sb.append(to.get(i).name());
            if (i < to.size() - 1) {
                sb.append('/');
            }
        }
        return sb.toString();
    }

    /** Root first, the node last (the root itself excluded). */
    private static List<KernfsNode> ancestors(KernfsNode kn) {
        List<KernfsNode> out = new ArrayList<>();
        for (KernfsNode n = kn; n != null && n.parent != null; n = n.parent) {
            out.add(0, n);
        }
        return out;
    }

    // ---------------------------------------------------------------- active references

    /**
     * kernfs_get_active(): null when the node is deactivated or, with the generic fix, when its
     * owner module is going.
     */
    public KernfsActiveRef getActive(KernfsNode kn) {
        if (!kn.active.tryGet()) {
            return null;
        }
        Module owner = kn.owner();
        if (ownerReferenceFix && owner != null) {
            if (!owner.tryGet()) {
                kn.active.put();
                ownerRefusals.increment();
                return null;
            }
            return new KernfsActiveRef(kn, owner);
        }
        if (owner != null) {
            kn.unpinned.incrementAndGet();
        }
        return new KernfsActiveRef(kn, null);
    }

    // ---------------------------------------------------------------- removal

    /**
     * kernfs_remove(): deactivates {@code kn} and everything below it, then drains and unlinks each
     * node, children first. A node already removed is left alone. May sleep (the drains); an
     * interrupted drain throws EINTR and leaves the rest of the subtree deactivated but linked.
     */
    public void remove(KernfsNode kn) {
        if (kn == rootNode) {
            throw new IllegalArgumentException("cannot remove the kernfs root");
        }
        rwsem.writeLock();
        try {
            if (kn.removed) {
                return;
            }
            List<KernfsNode> postOrder = new ArrayList<>();
            collectPostOrder(kn, postOrder);
            for (KernfsNode n : postOrder) {
                n.active.deactivate();
            }
            for (KernfsNode n : postOrder) {
                if (n.active.count() > 0 || n.active.lockClass() != null) {
                    rwsem.writeUnlock();
                    try {
                        drain(n);
                    } finally {
                        rwsem.writeLock();
                    }
                }
                if (!n.removed && n.parent != null && n.parent.children.get(n.name()) == n) {
                    n.parent.children.remove(n.name());
                    n.removed = true;
                }
            }
        } finally {
            rwsem.writeUnlock();
        }
    }

    /** kernfs_remove_by_name(): ENOENT when there is no such child. */
    public void removeByName(KernfsNode parent, String name) {
        KernfsNode kn = find(parent, name);
        if (kn == null) {
            throw new ErrnoException(Errno.ENOENT, "no " + name + " in " + parent.path());
        }
        remove(kn);
    }

    private static void collectPostOrder(KernfsNode kn, List<KernfsNode> out) {
        if (kn.isDir()) {
            for (KernfsNode c : new ArrayList<>(kn.children.values())) {
                collectPostOrder(c, out);
            }
        }
        out.add(kn);
    }

    /**
     * Why draining {@code n} now cannot wait for anybody, or null when it can: with the owner-module
     * reference fix on and the owner going, every reference that could still be held would have
     * held the module (so the module could not be going); what is left are gets that
     * try_module_get is refusing, each about to put its reference back. A reference taken while the
     * fix was off holds no module and can wait: then the drain can block.
     */
    static final String OWNER_GOING_DRAIN = "with the owner-module reference fix, a store holding kn->active also holds "
            + "the module, so module exit cannot be draining it";

    private String drainCannotBlock(KernfsNode n) {
        Module owner = n.owner();
        if (ownerReferenceFix && owner != null && owner.state() == ModuleState.GOING && n.unpinned.get() == 0) {
            return OWNER_GOING_DRAIN;
        }
        return null;
    }

    /**
     * kernfs_drain() for one deactivated node (called without the rwsem), annotated for lockdep on
     * every node with a lock class, as the 2021 kernfs did: the remover "acquires" the node's
     * kn->active class, so lockdep records a dependency on every lock the remover holds. The
     * owner-reference fix left that annotation alone, so a lockdep kernel with the fix still
     * reports the store-vs-exit cycle; the dependencies a drain records while its owner is going
     * carry the reason they cannot block ({@link #drainCannotBlock}), and lockdep's verdict on a
     * cycle ({@code Lockdep.circularVerdict()}) tells such a report apart from a real deadlock.
     * Nothing here depends on timing.
     */
    private void drain(KernfsNode n) {
        drains.increment();
        String cannotBlock = drainCannotBlock(n);
        if (n.active.count() > 0) {
            drainsThatWaited.increment();
        }
        n.active.drain(cannotBlock);
    }

    @Override
    public String toString() {
        return "kernfs root " + name + (ownerReferenceFix ? " (owner reference fix on)" : "");
    }
}
