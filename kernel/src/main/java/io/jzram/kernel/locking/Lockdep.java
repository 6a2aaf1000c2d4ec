// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import io.jzram.kernel.Kernel;
import io.jzram.kernel.LogLevel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime locking correctness validator (kernel/locking/lockdep.c), reduced to what the
 * emulator needs: per-task held-lock stacks, a dependency graph between lock classes, and the two
 * reports that matter here, "possible circular locking dependency detected" and "possible
 * recursive locking detected" (plus "bad unlock balance").
 *
 * <p>As in the kernel, a new edge {@code prev -> next} is recorded when a task acquires {@code next}
 * (not by trylock) while holding {@code prev}: the nearest non-trylock held lock and any trylock
 * ones above it. Before the edge is added, lockdep checks whether {@code next} already reaches
 * {@code prev}; if so it reports the cycle with both chains, whether or not the deadlock actually
 * happens in this run. After its first report lockdep turns itself off ({@code debug_locks_off}),
 * like the kernel's.
 *
 * <p>Locking: held stacks are thread-confined (a ThreadLocal of this instance) and published in a
 * concurrent map so reports can show every task's locks; graph edges are added under
 * {@code graphLock} and read lock-free. With lockdep off ({@link Kernel.Builder#lockdep}) every
 * call returns at once.
 *
 * <p>Assertions: {@link #assertHeld} and {@link #assertHeldWrite} are {@code lockdep_assert_held()}
 * and {@code lockdep_assert_held_write()}: code that touches state {@link GuardedBy guarded by} a
 * lock calls them (through {@link Mutex#assertHeld}, {@link RwSemaphore#assertHeld}, ...), and a caller without the lock gets a WARNING splat ({@code WARN_ON}, as in the kernel; the
 * caller goes on). Like the kernel's they cost nothing with lockdep off and go quiet once lockdep
 * has turned itself off; with lockdep on they cost a look at the task's held stack, so they sit
 * where guarded state is touched, not in per-page code.
 */
public final class Lockdep {

    /**
     * A recorded dependency: {@code to} was taken while {@code from} was held, at {@code stack}.
     * {@code cannotBlock} is jzram's note beside the kernel's record: non-null while every
     * acquisition of {@code to} under {@code from} so far was one that cannot wait for anybody
     * (the reason why); the first acquisition that can wait clears it for good.
     */
    static final class Dependency {
        final LockClass from;
        final LockClass to;
        final String task;
        final StackTraceElement[] stack;
        volatile String cannotBlock;

        Dependency(LockClass from, LockClass to, String task, StackTraceElement[] stack, String cannotBlock) {
            this.from = from;
            this.to = to;
            this.task = task;
            this.stack = stack;
            this.cannotBlock = cannotBlock;
        }
    }

    /**
     * jzram's verdict on a "possible circular locking dependency" report (the kernel prints none):
     * the cycle ({@code chain}: the lock held, the new lock, then the existing chain of classes
     * back to the lock held), whether it can deadlock, and why. A cycle can deadlock when the new
     * dependency and some chain of dependencies from the new lock back to the held one were all
     * recorded by acquisitions that can wait; it cannot when every such chain (or the new
     * dependency) goes through an acquisition that cannot wait for anybody, such as a kernfs drain
     * of a file whose owner module is already going while the owner-reference fix is on.
     */
    public record CircularVerdict(List<String> chain, boolean canDeadlock, String reason) {
        /** One line: "can deadlock" or "cannot deadlock", the chain, the reason. */
        public String describe() {
            return (canDeadlock ? "can deadlock: " : "cannot deadlock: ") + String.join(" -> ", chain) + " (" + reason + ")";
        }
    }

    /** One entry of a task's held-lock stack. */
    public record HeldLock(LockClass lockClass, Object instance, boolean read, boolean trylock) {
        String describe() {
            return String.format("%s %s", address(instance), lockClass.describe());
        }
    }

    /** A task's held locks, used only by its own thread (reads by reports are best effort). */
    private static final class HeldStack {
        final Thread thread;
        HeldLock[] locks = new HeldLock[8];
        volatile int size;

        HeldStack(Thread thread) {
            this.thread = thread;
        }

        void push(HeldLock h) {
            if (size == locks.length) {
                locks = java.util.Arrays.copyOf(locks, size * 2);
            }
            locks[size] = h;
            size = size + 1;
        }

        int lastIndexOf(LockClass c, Object instance) {
            for (int i = size - 1; i >= 0; i--) {
                HeldLock h = locks[i];
                if (h.lockClass == c && h.instance == instance) {
                    return i;
                }
            }
            return -1;
        }

        void remove(int i) {
            int n = size;
            System.arraycopy(locks, i + 1, locks, i, n - i - 1);
            locks[n - 1] = null;
            size = n - 1;
        }

        List<HeldLock> snapshot() {
            HeldLock[] l = locks;
            int n = Math.min(size, l.length);
            List<HeldLock> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (l[i] != null) {
                    out.add(l[i]);
                }
            }
            return out;
        }
    }

    private final Kernel kernel;
    private final boolean prove;
    private volatile boolean debugLocks = true;
    private final Object graphLock = new Object();
    private final ConcurrentHashMap<String, LockClass> classesByKey = new ConcurrentHashMap<>();
    private final Map<String, Integer> namesUsed = new HashMap<>();
    private final AtomicInteger nextClassId = new AtomicInteger(1);
    private final ConcurrentHashMap<Thread, HeldStack> stacks = new ConcurrentHashMap<>();
    private final ThreadLocal<HeldStack> current = ThreadLocal.withInitial(this::newStack);
    private final AtomicLong edges = new AtomicLong();
    private final AtomicInteger circularReports = new AtomicInteger();
    private final AtomicInteger recursiveReports = new AtomicInteger();
    private final AtomicInteger unlockBalanceReports = new AtomicInteger();
    private final AtomicInteger assertReports = new AtomicInteger();
    private volatile CircularVerdict circularVerdict;

    public Lockdep(Kernel kernel, boolean prove) {
        this.kernel = kernel;
        this.prove = prove;
    }

    private HeldStack newStack() {
        HeldStack s = new HeldStack(Thread.currentThread());
        stacks.put(s.thread, s);
        return s;
    }

    /** CONFIG_PROVE_LOCKING for this kernel. */
    public boolean enabled() {
        return prove;
    }

    /** False once lockdep has reported a problem and turned itself off (debug_locks). */
    public boolean debugLocks() {
        return prove && debugLocks;
    }

    /**
     * The class for a static key, made on first use. {@code key} is the identity (one per lock
     * init site, e.g. {@code "zram_drv.c:init_lock"}); {@code name} is what reports print. A second
     * key with a name already in use prints as {@code name#N}.
     */
    public LockClass classFor(String key, String name, LockClass.Kind kind) {
        LockClass c = classesByKey.get(key);
        if (c != null) {
            return c;
        }
        synchronized (namesUsed) {
            c = classesByKey.get(key);
            if (c == null) {
                int n = namesUsed.merge(name, 1, Integer::sum);
                String shown = n == 1 ? name : name + "#" + n;
                c = new LockClass(nextClassId.getAndIncrement(), key, shown, kind);
                classesByKey.put(key, c);
            }
            return c;
        }
    }

    /** A class whose key is its name. */
    public LockClass classFor(String name, LockClass.Kind kind) {
        return classFor(name, name, kind);
    }

    // ---------------------------------------------------------------- acquire / release

    /**
     * lock_acquire(): called before a task may block on a lock. Checks recursion, records the
     * dependencies on the locks the task holds, reports a cycle, and pushes the lock.
     */
    public void acquire(LockClass c, Object instance, boolean read, boolean trylock) {
        acquire(c, instance, read, trylock, null);
    }

    /**
     * lock_acquire() of a lock whose acquisition here cannot wait for anybody: the dependencies
     * it records are the kernel's, and carry {@code cannotBlock}, the reason, for
     * {@link #circularVerdict()} (null: an ordinary acquisition).
     */
    public void acquire(LockClass c, Object instance, boolean read, boolean trylock, String cannotBlock) {
        if (!prove) {
            return;
        }
        HeldStack hs = current.get();
        if (debugLocks) {
            int n = hs.size;
            for (int i = n - 1; i >= 0; i--) {
                HeldLock h = hs.locks[i];
                if (h.lockClass == c && !trylock && !(read && h.read && c.kind() == LockClass.Kind.PSEUDO)) {
                    reportRecursive(hs, h, c, instance);
                    break;
                }
            }
            if (!trylock && debugLocks) {
                for (int i = n - 1; i >= 0; i--) {
                    HeldLock h = hs.locks[i];
                    if (h.lockClass != c) {
                        addDependency(hs, h, c, instance, cannotBlock);
                    }
                    if (!h.trylock) {
                        break;
                    }
                }
            }
        }
        hs.push(new HeldLock(c, instance, read, trylock));
    }

    /** lock_release(): pops the lock from the task's held stack (any position). */
    public void release(LockClass c, Object instance) {
        if (!prove) {
            return;
        }
        HeldStack hs = current.get();
        int i = hs.lastIndexOf(c, instance);
        if (i < 0) {
            reportBadUnlock(c, instance);
            return;
        }
        hs.remove(i);
    }

    /** Whether the calling task holds this lock instance (lockdep_is_held). */
    public boolean isHeld(LockClass c, Object instance) {
        return prove && current.get().lastIndexOf(c, instance) >= 0;
    }

    // ---------------------------------------------------------------- assertions

    /**
     * {@code lockdep_assert_held()}: a WARNING splat unless the calling task holds this lock
     * instance (for reading or writing). Nothing with lockdep off or after a report turned it off.
     */
    public void assertHeld(LockClass c, Object instance) {
        if (prove && debugLocks && current.get().lastIndexOf(c, instance) < 0) {
            reportNotHeld("lockdep_assert_held", c.name());
        }
    }

    /** {@code lockdep_assert_held_write()}: as {@link #assertHeld}, and a read hold does not count. */
    public void assertHeldWrite(LockClass c, Object instance) {
        if (!prove || !debugLocks) {
            return;
        }
        HeldStack hs = current.get();
        int i = hs.lastIndexOf(c, instance);
        if (i < 0 || hs.locks[i].read) {
            reportNotHeld("lockdep_assert_held_write", c.name());
        }
    }

    /** How many lock assertions failed. */
    public int assertReports() {
        return assertReports.get();
    }

    /** The calling task's held locks, bottom first. */
    public List<HeldLock> heldLocks() {
        return prove ? current.get().snapshot() : List.of();
    }

    /** Another task's held locks (a racy snapshot, for reports). */
    public List<HeldLock> heldLocks(Thread t) {
        HeldStack s = stacks.get(t);
        return s == null ? List.of() : s.snapshot();
    }

    /** Tasks that hold this lock instance, according to their held stacks. */
    public List<Thread> holdersOf(LockClass c, Object instance) {
        if (!prove) {
            return List.of();
        }
        List<Thread> out = new ArrayList<>();
        for (HeldStack s : stacks.values()) {
            for (HeldLock h : s.snapshot()) {
                if (h.lockClass == c && h.instance == instance) {
                    out.add(s.thread);
                    break;
                }
            }
        }
        return out;
    }

    /** Number of dependency edges recorded. */
    public long dependencies() {
        return edges.get();
    }

    public int circularReports() {
        return circularReports.get();
    }

    public int recursiveReports() {
        return recursiveReports.get();
    }

    public int unlockBalanceReports() {
        return unlockBalanceReports.get();
    }

    /** Whether the graph holds the edge from -> to (for tests). */
    public boolean hasDependency(LockClass from, LockClass to) {
        return from.after.containsKey(to);
    }

    // ---------------------------------------------------------------- the graph

    private void addDependency(HeldStack hs, HeldLock prev, LockClass next, Object nextInstance, String cannotBlock) {
        Dependency known = prev.lockClass.after.get(next);
        if (known != null) {
            if (cannotBlock == null && known.cannotBlock != null) {
                known.cannotBlock = null;
            }
            return;
        }
        List<Dependency> cycle;
        CircularVerdict verdict;
        synchronized (graphLock) {
            known = prev.lockClass.after.get(next);
            if (known != null || !debugLocks) {
                if (known != null && cannotBlock == null) {
                    known.cannotBlock = null;
                }
                return;
            }
            cycle = pathBetween(next, prev.lockClass, false);
            if (cycle == null) {
                prev.lockClass.after.put(next, new Dependency(prev.lockClass, next, Kernel.task(hs.thread),
                        Thread.currentThread().getStackTrace(), cannotBlock));
                edges.incrementAndGet();
                return;
            }
            debugLocks = false;
            verdict = classify(prev.lockClass, next, cannotBlock, cycle);
            circularVerdict = verdict;
        }
        reportCircular(hs, prev, next, nextInstance, cycle);
    }

    /** The verdict on the cycle {@code held -> next} closed over {@code path} (next -> ... -> held). */
    private static CircularVerdict classify(LockClass held, LockClass next, String newCannotBlock, List<Dependency> path) {
        List<String> chain = new ArrayList<>();
        chain.add(held.name());
        chain.add(next.name());
        for (Dependency d : path) {
            chain.add(d.to.name());
        }
        if (newCannotBlock != null) {
            return new CircularVerdict(chain, false, "the new dependency " + held.name() + " -> " + next.name()
                    + " cannot block: " + newCannotBlock);
        }
        List<Dependency> blocking = pathBetween(next, held, true);
        if (blocking != null) {
            return new CircularVerdict(chain, true, "every dependency of the cycle was recorded by an acquisition that waits");
        }
        String why = null;
        for (Dependency d : path) {
            String r = d.cannotBlock;
            if (r != null) {
                why = "the dependency " + d.from.name() + " -> " + d.to.name() + " cannot block: " + r;
                break;
            }
        }
        return new CircularVerdict(chain, false, why != null ? why
                : "every chain that closes the cycle goes through an acquisition that cannot block");
    }

    /**
     * jzram's verdict on the circular-dependency report lockdep made (at most one: it turns itself
     * off after its first report), or null when there was none.
     */
    public CircularVerdict circularVerdict() {
        return circularVerdict;
    }

    /**
     * Breadth-first search for a path of edges from -> ... -> to (with {@code blockingOnly}, over
     * edges that can block only); null when there is none.
     */
    private static List<Dependency> pathBetween(LockClass from, LockClass to, boolean blockingOnly) {
        Map<LockClass, Dependency> via = new HashMap<>();
        ArrayDeque<LockClass> queue = new ArrayDeque<>();
        queue.add(from);
        via.put(from, null);
        while (!queue.isEmpty()) {
            LockClass c = queue.poll();
            if (c == to) {
                List<Dependency> path = new ArrayList<>();
                for (Dependency d = via.get(c); d != null; d = via.get(d.from)) {
                    path.add(d);
                }
                Collections.reverse(path);
                return path;
            }
            for (Dependency d : c.after.values()) {
                if (blockingOnly && d.cannotBlock != null) {
                    continue;
                }
                if (!via.containsKey(d.to)) {
                    via.put(d.to, d);
                    queue.add(d.to);
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- reports

    private void reportCircular(HeldStack hs, HeldLock prev, LockClass next, Object nextInstance, List<Dependency> path) {
        circularReports.incrementAndGet();
        String task = Kernel.task(hs.thread);
        StringBuilder sb = new StringBuilder();
        String rule = "======================================================";
        sb.append('\n').append(rule).append('\n');
        sb.append("WARNING: possible circular locking dependency detected\n");
        sb.append(kernel.release()).append(" #1 ").append(kernel.taintDescription()).append('\n');
        sb.append("------------------------------------------------------\n");
        sb.append(task).append(" is trying to acquire lock:\n");
        sb.append(address(nextInstance)).append(' ').append(next.describe()).append(", at: ").append(callerSymbol()).append("\n\n");
        sb.append("but task is already holding lock:\n");
        sb.append(prev.describe()).append("\n\n");
        sb.append("which lock already depends on the new lock.\n\n\n");
        sb.append("the existing dependency chain (in reverse order) is:\n");
        // path: next -> ... -> prev ; print from the end (prev) back to next, then #0 = the new lock.
        int n = path.size();
        for (int i = n - 1; i >= 0; i--) {
            Dependency d = path.get(i);
            sb.append("\n-> #").append(i + 1).append(' ').append(d.to.describe()).append(":\n");
            appendStack(sb, d.stack, "       ");
        }
        sb.append("\n-> #0 ").append(next.describe()).append(":\n");
        appendStack(sb, Thread.currentThread().getStackTrace(), "       ");
        sb.append("\nother info that might help us debug this:\n\n");
        // As print_circular_lock_scenario: source = the new lock, target = the held one, parent =
        // the class the chain reaches the target from.
        LockClass parent = path.get(n - 1).from;
        String target = prev.lockClass().name();
        if (parent != next) {
            sb.append("Chain exists of:\n  ").append(next.name()).append(" --> ").append(parent.name()).append(" --> ")
                    .append(target).append("\n\n");
        }
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0                    CPU1\n");
        sb.append("       ----                    ----\n");
        sb.append("  lock(").append(target).append(");\n");
        sb.append("                               lock(").append(parent.name()).append(");\n");
        sb.append("                               lock(").append(target).append(");\n");
        sb.append("  lock(").append(next.name()).append(");\n\n");
        sb.append(" *** DEADLOCK ***\n\n");
        appendHeld(sb, hs.thread, hs.snapshot());
        sb.append("\nstack backtrace:\n");
        appendBacktrace(sb, hs.thread);
        kernel.log().printk(LogLevel.WARNING, sb.toString());
    }

    private void reportRecursive(HeldStack hs, HeldLock held, LockClass c, Object instance) {
        debugLocks = false;
        recursiveReports.incrementAndGet();
        StringBuilder sb = new StringBuilder();
        sb.append("\n============================================\n");
        sb.append("WARNING: possible recursive locking detected\n");
        sb.append(kernel.release()).append(" #1 ").append(kernel.taintDescription()).append('\n');
        sb.append("--------------------------------------------\n");
        sb.append(Kernel.task(hs.thread)).append(" is trying to acquire lock:\n");
        sb.append(address(instance)).append(' ').append(c.describe()).append(", at: ").append(callerSymbol()).append("\n\n");
        sb.append("but task is already holding lock:\n");
        sb.append(held.describe()).append("\n\n");
        sb.append("other info that might help us debug this:\n");
        sb.append(" Possible unsafe locking scenario:\n\n");
        sb.append("       CPU0\n       ----\n");
        sb.append("  lock(").append(c.name()).append(");\n");
        sb.append("  lock(").append(c.name()).append(");\n\n");
        sb.append(" *** DEADLOCK ***\n\n");
        sb.append(" May be due to missing lock nesting notation\n\n");
        appendHeld(sb, hs.thread, hs.snapshot());
        sb.append("\nstack backtrace:\n");
        appendBacktrace(sb, hs.thread);
        kernel.log().printk(LogLevel.WARNING, sb.toString());
    }

    private void reportBadUnlock(LockClass c, Object instance) {
        if (!debugLocks) {
            return;
        }
        debugLocks = false;
        unlockBalanceReports.incrementAndGet();
        Thread t = Thread.currentThread();
        StringBuilder sb = new StringBuilder();
        sb.append("\n=====================================\n");
        sb.append("WARNING: bad unlock balance detected!\n");
        sb.append(kernel.release()).append(" #1 ").append(kernel.taintDescription()).append('\n');
        sb.append("-------------------------------------\n");
        sb.append(Kernel.task(t)).append(" is trying to release lock (").append(c.name()).append(") at:\n");
        sb.append(callerSymbol()).append('\n');
        sb.append("but there are no more locks to release!\n\n");
        sb.append("other info that might help us debug this:\n");
        appendHeld(sb, t, heldLocks());
        sb.append("\nstack backtrace:\n");
        appendBacktrace(sb, t);
        kernel.log().printk(LogLevel.WARNING, sb.toString());
    }

    /** WARN_ON(debug_locks && !held) of lockdep_assert_held*(): the caller's location, the assertion, its lock. */
    private void reportNotHeld(String assertion, String lockName) {
        assertReports.incrementAndGet();
        kernel.log().warnSplat(callerLocation(), assertion + "(" + lockName + ")");
    }

    /** "Showing all locks held in the system:" as debug_show_all_locks prints it. */
    public String showAllLocks() {
        StringBuilder sb = new StringBuilder("\nShowing all locks held in the system:\n");
        for (HeldStack s : stacks.values()) {
            if (!s.thread.isAlive()) {
                stacks.remove(s.thread, s);
                continue;
            }
            List<HeldLock> held = s.snapshot();
            if (!held.isEmpty()) {
                appendHeld(sb, s.thread, held);
            }
        }
        sb.append("\n=============================================\n");
        return sb.toString();
    }

    static void appendHeld(StringBuilder sb, Thread t, List<HeldLock> held) {
        if (held.isEmpty()) {
            sb.append("no locks held by ").append(Kernel.task(t)).append(".\n");
            return;
        }
        sb.append(held.size()).append(held.size() == 1 ? " lock held by " : " locks held by ").append(Kernel.task(t)).append(":\n");
        for (int i = 0; i < held.size(); i++) {
            sb.append(" #").append(i).append(": ").append(held.get(i).describe()).append('\n');
        }
    }

    private void appendBacktrace(StringBuilder sb, Thread t) {
        sb.append("CPU: ").append(kernel.cpuOf(t)).append(" UID: 0 PID: ").append(Kernel.pid(t)).append(" Comm: ")
                .append(Kernel.comm(t)).append(' ').append(kernel.taintDescription()).append(' ').append(kernel.release()).append(" #1\n");
        sb.append("Call Trace:\n <TASK>\n");
        appendStack(sb, Thread.currentThread().getStackTrace(), " ");
        sb.append(" </TASK>");
    }

    private static void appendStack(StringBuilder sb, StackTraceElement[] stack, String indent) {
        int shown = 0;
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith("java.lang.Thread") && f.getMethodName().equals("getStackTrace")) {
                continue;
            }
            if (shown++ >= 24) {
                break;
            }
            String cls = f.getClassName();
            sb.append(indent).append(cls.substring(cls.lastIndexOf('.') + 1)).append('.').append(f.getMethodName())
                    .append("+0x").append(Integer.toHexString(Math.max(0, f.getLineNumber()))).append('\n');
        }
    }

    /** The first caller outside the locking package, as a symbol. */
    private static String callerSymbol() {
        for (StackTraceElement f : Thread.currentThread().getStackTrace()) {
            String cls = f.getClassName();
            if (!cls.startsWith("io.jzram.kernel.locking.") && !cls.startsWith("java.")) {
                return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethodName() + "+0x" + Integer.toHexString(Math.max(0, f.getLineNumber()));
            }
        }
        return "?";
    }

    /** The assertion's caller (the first frame outside the lock classes) as a WARNING line places it: {@code File.java:line method}. */
    private static String callerLocation() {
        for (StackTraceElement f : Thread.currentThread().getStackTrace()) {
            String cls = f.getClassName();
            if (!cls.equals(Lockdep.class.getName()) && !cls.equals(Mutex.class.getName())
                    && !cls.equals(RwSemaphore.class.getName()) && !cls.startsWith("java.")) {
                return f.getFileName() + ":" + f.getLineNumber() + " " + cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethodName();
            }
        }
        return "? ?";
    }

    /** A kernel-looking address for a lock instance. */
    static String address(Object instance) {
        return String.format("ffff8881%08x", instance == null ? 0 : System.identityHashCode(instance));
    }
}
