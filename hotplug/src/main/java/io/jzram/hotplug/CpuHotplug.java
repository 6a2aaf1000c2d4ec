// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.locking.RwSemaphore;
import io.jzram.kernel.module.Module;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The CPU hotplug state machine (kernel/cpu.c): virtual CPUs with possible/present/online/active
 * masks, ordered states with startup and teardown callbacks, multi-instance states, instance
 * add/remove with rollback, CPU up/down with rollback, failure injection and the hotplug lock.
 *
 * <p>Semantics kept from the kernel:
 * <ul>
 *   <li>CPU up runs every state above the CPU's current one in order; a multi-instance state runs
 *       its callback for each instance in list order (newest first: {@code hlist_add_head}). A
 *       failing startup tears down the instances of that state already done, then every state
 *       already run, in reverse; the CPU ends where it started and the error is returned.
 *   <li>CPU down runs the teardowns in reverse. Teardowns in the PREPARE section ("dead"
 *       callbacks) run after the CPU stopped and may not fail; a failing ONLINE-section teardown
 *       (only by failure injection) rolls the CPU back up.
 *   <li>{@code add_instance} runs the startup on every present CPU at or above the state, tearing
 *       down the CPUs already done on a failure and not adding the instance; {@code remove_instance}
 *       runs the teardown on each. {@code remove_multi_state} with instances left WARNs
 *       "Error: Removing state N which has instances left." and drops the callbacks anyway (and,
 *       like cpuhp_store_callbacks, forgets the instance list).
 *   <li>cpu0 is not hotpluggable; the last online CPU cannot go down (EBUSY).
 *   <li>Writing a state number to {@code cpuN/hotplug/fail} makes that state's next callback on
 *       that CPU fail once with EAGAIN; a PREPARE state can only be armed on an offline CPU.
 * </ul>
 *
 * <p>Locking, as in the kernel: {@code cpu_add_remove_lock} (mutex) serialises CPU up/down;
 * {@code cpu_hotplug_lock} (an rw-semaphore, lockdep pseudo-lock) is taken for write across a
 * CPU's transition and for read by state and instance registration, which also take
 * {@code cpuhp_state_mutex}. Step callbacks and instance lists are therefore written with the read
 * side + state mutex and read with the write side. Callbacks owned by a module call
 * {@link Module#enterText} first, so reaching them after the module is gone oopses.
 */
public final class CpuHotplug {

    /** A state: name, callbacks, owner, and for multi-instance states its instances. */
    private static final class Step {
        String name;
        Module owner;
        boolean multi;
        CpuhpCallback startup;
        CpuhpCallback teardown;
        CpuhpMultiCallback<Object> startupMulti;
        CpuhpMultiCallback<Object> teardownMulti;
        /** Instances, head first (the newest at index 0). */
        final ArrayList<Object> instances = new ArrayList<>();

        boolean empty(boolean bringup) {
            return multi ? (bringup ? startupMulti == null : teardownMulti == null)
                    : (bringup ? startup == null : teardown == null);
        }

        boolean hasCallbacks() {
            return startup != null || teardown != null || startupMulti != null || teardownMulti != null;
        }
    }

    /** Per-CPU hotplug state (struct cpuhp_cpu_state). */
    private static final class CpuState {
        volatile int state;
        volatile int target;
        volatile int fail = CpuhpState.INVALID;
    }

    /** Counters for storms and reports. */
    public record Stats(long ups, long downs, long failedTransitions, long rollbacks, long callbacks) {
    }

    private final Kernel kernel;
    private final int nrCpus;
    private final Step[] steps = new Step[CpuhpState.ONLINE + 1];
    private final CpuState[] cpus;
    private final AtomicIntegerArray online;
    private final AtomicIntegerArray active;
    private final RwSemaphore hotplugLock;
    private final Mutex addRemoveLock;
    private final Mutex stateMutex;
    private final TaskPlacement placement;
    private final LongAdder ups = new LongAdder();
    private final LongAdder downs = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rollbacks = new LongAdder();
    private final LongAdder callbacks = new LongAdder();

    /** A machine with {@code nrCpus} possible and present CPUs, all online. */
    public CpuHotplug(Kernel kernel, int nrCpus) {
        this(kernel, nrCpus, nrCpus);
    }

    /** A machine with {@code nrCpus} possible and present CPUs, the first {@code onlineCpus} online. */
    public CpuHotplug(Kernel kernel, int nrCpus, int onlineCpus) {
        if (nrCpus < 1 || nrCpus > 8192) {
            throw new IllegalArgumentException("nr_cpus " + nrCpus + " is outside 1..8192");
        }
        if (onlineCpus < 1 || onlineCpus > nrCpus) {
            throw new IllegalArgumentException("online CPUs " + onlineCpus + " is outside 1.." + nrCpus);
        }
        this.kernel = kernel;
        this.nrCpus = nrCpus;
        for (int s = 0; s < steps.length; s++) {
            steps[s] = new Step();
        }
        for (Map.Entry<Integer, String> e : CpuhpState.builtinNames().entrySet()) {
            steps[e.getKey()].name = e.getValue();
        }
        this.cpus = new CpuState[nrCpus];
        this.online = new AtomicIntegerArray(nrCpus);
        this.active = new AtomicIntegerArray(nrCpus);
        for (int c = 0; c < nrCpus; c++) {
            cpus[c] = new CpuState();
            boolean up = c < onlineCpus;
            cpus[c].state = up ? CpuhpState.ONLINE : CpuhpState.OFFLINE;
            cpus[c].target = cpus[c].state;
            online.set(c, up ? 1 : 0);
            active.set(c, up ? 1 : 0);
        }
        this.hotplugLock = new RwSemaphore(kernel, kernel.lockdep().classFor("cpu_hotplug_lock", LockClass.Kind.PSEUDO));
        this.addRemoveLock = new Mutex(kernel, "cpu_add_remove_lock");
        this.stateMutex = new Mutex(kernel, "cpuhp_state_mutex");
        this.placement = new TaskPlacement(this, kernel);
        kernel.attachCpuIds(placement::cpuOf);
    }

    public Kernel kernel() {
        return kernel;
    }

    // ---------------------------------------------------------------- masks and placement

    /** nr_cpu_ids: possible (and present) CPUs. */
    public int nrCpus() {
        return nrCpus;
    }

    public boolean isOnline(int cpu) {
        return cpu >= 0 && cpu < nrCpus && online.get(cpu) != 0;
    }

    /** cpu_active(): the scheduler places tasks here. */
    public boolean isActive(int cpu) {
        return active.get(cpu) != 0;
    }

    public BitSet onlineMask() {
        BitSet b = new BitSet(nrCpus);
        for (int c = 0; c < nrCpus; c++) {
            if (online.get(c) != 0) {
                b.set(c);
            }
        }
        return b;
    }

    public int onlineCount() {
        return onlineMask().cardinality();
    }

    /** Whether a CPU can be offlined at all (cpu0 cannot: it has no {@code online} file). */
    public boolean isHotpluggable(int cpu) {
        return cpu > 0 && cpu < nrCpus;
    }

    /** The calling task's current CPU. */
    public int currentCpu() {
        return placement.currentCpu();
    }

    public TaskPlacement placement() {
        return placement;
    }

    /** The hotplug state number a CPU is at ({@code cpuN/hotplug/state}). */
    public int cpuState(int cpu) {
        return cpus[checkCpu(cpu)].state;
    }

    /** {@code cpuN/hotplug/target}. */
    public int cpuTarget(int cpu) {
        return cpus[checkCpu(cpu)].target;
    }

    /** {@code cpuN/hotplug/fail}: the armed state, or -1. */
    public int cpuFail(int cpu) {
        return cpus[checkCpu(cpu)].fail;
    }

    /**
     * Arms failure injection ({@code echo N > cpuN/hotplug/fail}) with the kernel's checks: -1
     * disarms; outside 0..236 is EINVAL; a PREPARE-section state on a CPU that is up is EINVAL;
     * a state without callbacks is EINVAL.
     */
    public void setCpuFail(int cpu, int state) {
        CpuState st = cpus[checkCpu(cpu)];
        if (state == CpuhpState.INVALID) {
            st.fail = state;
            return;
        }
        if (state < CpuhpState.OFFLINE || state > CpuhpState.ONLINE) {
            throw new ErrnoException(Errno.EINVAL, "state " + state + " is outside 0.." + CpuhpState.ONLINE);
        }
        // Checked and armed under the hotplug lock: a CPU half way down (state already below
        // BRINGUP, dead callbacks still to run) must not get a PREPARE state armed, or its dead
        // callback would be the one to "fail" and the teardown would be skipped.
        cpusReadLock();
        try {
            if (state <= CpuhpState.BRINGUP_CPU && st.state > CpuhpState.BRINGUP_CPU) {
                throw new ErrnoException(Errno.EINVAL, "cannot fail PREPARE state " + state + " on online cpu" + cpu);
            }
            stateMutex.lock();
            try {
                Step sp = steps[state];
                if (!sp.hasCallbacks() && state != CpuhpState.BRINGUP_CPU) {
                    throw new ErrnoException(Errno.EINVAL, "state " + state + " has no callbacks to fail");
                }
            } finally {
                stateMutex.unlock();
            }
            st.fail = state;
        } finally {
            cpusReadUnlock();
        }
    }

    private int checkCpu(int cpu) {
        if (cpu < 0 || cpu >= nrCpus) {
            throw new ErrnoException(Errno.ENODEV, "no cpu" + cpu + " (nr_cpu_ids " + nrCpus + ")");
        }
        return cpu;
    }

    // ---------------------------------------------------------------- the hotplug lock

    /** cpus_read_lock(). */
    public void cpusReadLock() {
        hotplugLock.readLock();
    }

    /** cpus_read_unlock(). */
    public void cpusReadUnlock() {
        hotplugLock.readUnlock();
    }

    public LockClass hotplugLockClass() {
        return hotplugLock.lockClass();
    }

    // ---------------------------------------------------------------- states

    /**
     * cpuhp_setup_state_multi(): registers a multi-instance state's callbacks (nothing is invoked:
     * there are no instances yet). {@code state} is a static state, or {@link CpuhpState#BP_PREPARE_DYN}
     * / {@link CpuhpState#AP_ONLINE_DYN} for the first free dynamic one. Returns the state number.
     * EBUSY when the state is taken; ENOSPC when no dynamic state is left.
     */
    @SuppressWarnings("unchecked")
    public <T> int setupStateMulti(int state, String name, Module owner, CpuhpMultiCallback<T> startup,
            CpuhpMultiCallback<T> teardown) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                int s = reserve(state, name);
                Step sp = steps[s];
                sp.name = name;
                sp.owner = owner;
                sp.multi = true;
                sp.startup = null;
                sp.teardown = null;
                sp.startupMulti = (CpuhpMultiCallback<Object>) startup;
                sp.teardownMulti = (CpuhpMultiCallback<Object>) teardown;
                sp.instances.clear();
                return s;
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    /**
     * cpuhp_setup_state(): registers a single-instance state and invokes its startup on every
     * present CPU at or above it; a failure there tears down the CPUs done and unregisters.
     */
    public int setupState(int state, String name, Module owner, CpuhpCallback startup, CpuhpCallback teardown) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                int s = reserve(state, name);
                Step sp = steps[s];
                sp.name = name;
                sp.owner = owner;
                sp.multi = false;
                sp.startup = startup;
                sp.teardown = teardown;
                sp.startupMulti = null;
                sp.teardownMulti = null;
                sp.instances.clear();
                if (startup != null) {
                    for (int cpu = 0; cpu < nrCpus; cpu++) {
                        if (cpus[cpu].state < s) {
                            continue;
                        }
                        Errno err = issueCall(cpu, s, true, null);
                        if (err != null) {
                            rollbackInstall(cpu, s, null);
                            clear(sp);
                            throw new ErrnoException(err, "state " + name + " startup failed on cpu" + cpu);
                        }
                    }
                }
                return s;
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    private int reserve(int state, String name) {
        if (name == null || name.isEmpty()) {
            throw new ErrnoException(Errno.EINVAL, "a state needs a name");
        }
        if (state == CpuhpState.BP_PREPARE_DYN || state == CpuhpState.AP_ONLINE_DYN) {
            int end = state == CpuhpState.BP_PREPARE_DYN ? CpuhpState.BP_PREPARE_DYN_END : CpuhpState.AP_ONLINE_DYN_END;
            for (int s = state; s < end; s++) {
                if (steps[s].name == null) {
                    return s;
                }
            }
            throw new ErrnoException(Errno.ENOSPC, "no free dynamic hotplug state for " + name);
        }
        if (state <= CpuhpState.OFFLINE || state >= CpuhpState.ONLINE) {
            throw new ErrnoException(Errno.EINVAL, "state " + state + " cannot carry callbacks");
        }
        if (steps[state].name != null) {
            throw new ErrnoException(Errno.EBUSY, "state " + state + " is already " + steps[state].name);
        }
        return state;
    }

    private static void clear(Step sp) {
        sp.name = null;
        sp.owner = null;
        sp.multi = false;
        sp.startup = null;
        sp.teardown = null;
        sp.startupMulti = null;
        sp.teardownMulti = null;
        sp.instances.clear();
    }

    /**
     * cpuhp_remove_multi_state(): drops the state's callbacks. With instances left this is the
     * seed's bug: WARN "Error: Removing state N which has instances left." and the instances are
     * forgotten without their teardown.
     */
    public void removeMultiState(int state) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                Step sp = steps[checkState(state)];
                if (sp.multi && !sp.instances.isEmpty()) {
                    kernel.log().warnSplat("kernel/cpu.c:2489 __cpuhp_remove_state_cpuslocked",
                            "Error: Removing state " + state + " which has instances left.");
                }
                clear(sp);
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    /** cpuhp_remove_state(): runs the teardown on every CPU at or above the state, then unregisters. */
    public void removeState(int state) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                Step sp = steps[checkState(state)];
                if (sp.multi) {
                    if (!sp.instances.isEmpty()) {
                        kernel.log().warnSplat("kernel/cpu.c:2489 __cpuhp_remove_state_cpuslocked",
                                "Error: Removing state " + state + " which has instances left.");
                    }
                } else if (sp.teardown != null) {
                    for (int cpu = 0; cpu < nrCpus; cpu++) {
                        if (cpus[cpu].state >= state) {
                            issueTeardown(cpu, state, null);
                        }
                    }
                }
                clear(sp);
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    /**
     * cpuhp_state_add_instance(): invokes the startup for the instance on every present CPU at or
     * above the state, then adds it at the head of the list. EINVAL if the state is not a
     * multi-instance one (for instance because it was removed); a failing startup is rolled back
     * on the CPUs done and its errno thrown.
     */
    public void addInstance(int state, Object instance) {
        addInstance(state, instance, true);
    }

    /** cpuhp_state_add_instance_nocalls(). */
    public void addInstanceNoCalls(int state, Object instance) {
        addInstance(state, instance, false);
    }

    private void addInstance(int state, Object instance, boolean invoke) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                Step sp = steps[checkState(state)];
                if (!sp.multi) {
                    throw new ErrnoException(Errno.EINVAL, "state " + state + " is not a multi-instance state");
                }
                if (invoke && sp.startupMulti != null) {
                    for (int cpu = 0; cpu < nrCpus; cpu++) {
                        if (cpus[cpu].state < state) {
                            continue;
                        }
                        Errno err = issueCall(cpu, state, true, instance);
                        if (err != null) {
                            if (sp.teardownMulti != null) {
                                rollbackInstall(cpu, state, instance);
                            }
                            throw new ErrnoException(err, "instance startup of " + sp.name + " failed on cpu" + cpu);
                        }
                    }
                }
                sp.instances.add(0, instance);
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    /**
     * cpuhp_state_remove_instance(): runs the teardown for the instance on every present CPU at or
     * above the state and unlinks it. EINVAL if the state is not multi-instance; an instance that
     * is not on the list is simply not torn down.
     */
    public void removeInstance(int state, Object instance) {
        removeInstance(state, instance, true);
    }

    /** cpuhp_state_remove_instance_nocalls(). */
    public void removeInstanceNoCalls(int state, Object instance) {
        removeInstance(state, instance, false);
    }

    private void removeInstance(int state, Object instance, boolean invoke) {
        cpusReadLock();
        try {
            stateMutex.lock();
            try {
                Step sp = steps[checkState(state)];
                if (!sp.multi) {
                    throw new ErrnoException(Errno.EINVAL, "state " + state + " is not a multi-instance state");
                }
                if (invoke && sp.teardownMulti != null) {
                    for (int cpu = 0; cpu < nrCpus; cpu++) {
                        if (cpus[cpu].state >= state) {
                            issueTeardown(cpu, state, instance);
                        }
                    }
                }
                sp.instances.remove(instance);
            } finally {
                stateMutex.unlock();
            }
        } finally {
            cpusReadUnlock();
        }
    }

    /** The instances of a multi-instance state, head first. */
    public List<Object> instances(int state) {
        stateMutex.lock();
        try {
            return List.copyOf(steps[checkState(state)].instances);
        } finally {
            stateMutex.unlock();
        }
    }

    /** The name a state is registered under, or null. */
    public String stateName(int state) {
        return steps[checkState(state)].name;
    }

    private static int checkState(int state) {
        if (state < 0 || state > CpuhpState.ONLINE) {
            throw new ErrnoException(Errno.EINVAL, "no hotplug state " + state);
        }
        return state;
    }

    /** {@code /sys/devices/system/cpu/hotplug/states}: {@code %3d: %s} per named state. */
    public String statesListing() {
        StringBuilder sb = new StringBuilder();
        stateMutex.lock();
        try {
            for (int s = 0; s < steps.length; s++) {
                if (steps[s].name != null) {
                    sb.append(String.format("%3d: %s%n", s, steps[s].name));
                }
            }
        } finally {
            stateMutex.unlock();
        }
        return sb.toString();
    }

    private void rollbackInstall(int failedCpu, int state, Object instance) {
        rollbacks.increment();
        for (int cpu = 0; cpu < failedCpu; cpu++) {
            if (cpus[cpu].state >= state) {
                issueTeardown(cpu, state, instance);
            }
        }
    }

    // ---------------------------------------------------------------- callback invocation

    /**
     * cpuhp_issue_call/cpuhp_invoke_callback for one state on one CPU: the failure injection
     * check, then the single callback, the one instance, or every instance with rollback. AP-section
     * callbacks run with the calling task placed on the target CPU. Returns null or the errno.
     */
    private Errno issueCall(int cpu, int state, boolean bringup, Object instance) {
        CpuState st = cpus[cpu];
        if (st.fail == state) {
            st.fail = CpuhpState.INVALID;
            return Errno.EAGAIN;
        }
        Step sp = steps[state];
        if (sp.empty(bringup)) {
            return null;
        }
        Errno[] result = new Errno[1];
        Runnable call = () -> result[0] = invoke(sp, cpu, state, bringup, instance);
        if (CpuhpState.isPrepare(state)) {
            call.run();
        } else {
            placement.runOn(cpu, call);
        }
        return result[0];
    }

    private Errno invoke(Step sp, int cpu, int state, boolean bringup, Object instance) {
        String symbol = sp.name + (bringup ? " startup" : " teardown");
        if (!sp.multi) {
            return call(sp, symbol, () -> (bringup ? sp.startup : sp.teardown).invoke(cpu));
        }
        CpuhpMultiCallback<Object> cbm = bringup ? sp.startupMulti : sp.teardownMulti;
        if (instance != null) {
            return call(sp, symbol, () -> cbm.invoke(cpu, instance));
        }
        List<Object> list = sp.instances;
        int done = 0;
        for (Object node : list) {
            Errno err = call(sp, symbol, () -> cbm.invoke(cpu, node));
            if (err != null) {
                CpuhpMultiCallback<Object> undo = bringup ? sp.teardownMulti : sp.startupMulti;
                if (undo != null) {
                    rollbacks.increment();
                    for (int i = 0; i < done; i++) {
                        Object n = list.get(i);
                        Errno again = call(sp, symbol, () -> undo.invoke(cpu, n));
                        if (again != null) {
                            kernel.log().warnSplat("kernel/cpu.c:226 cpuhp_invoke_callback", "rollback of " + sp.name + " failed: " + again);
                        }
                    }
                }
                return err;
            }
            done++;
        }
        return null;
    }

    private Errno call(Step sp, String symbol, Runnable r) {
        Module.enterText(sp.owner, symbol);
        callbacks.increment();
        try {
            r.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** A teardown that may not fail: a failure is a WARN. */
    private void issueTeardown(int cpu, int state, Object instance) {
        Errno err = issueCall(cpu, state, false, instance);
        if (err != null) {
            kernel.log().warnSplat("kernel/cpu.c:2301 cpuhp_issue_call", "teardown of state " + state + " on cpu" + cpu + " failed: " + err);
        }
    }

    // ---------------------------------------------------------------- CPU up / down

    /** cpu_up / {@code echo 1 > cpuN/online}: a no-op for an online CPU; errors roll back. */
    public void cpuUp(int cpu) {
        checkCpu(cpu);
        addRemoveLock.lock();
        try {
            hotplugLock.writeLock();
            try {
                CpuState st = cpus[cpu];
                if (st.state >= CpuhpState.ONLINE) {
                    return;
                }
                int from = st.state;
                st.target = CpuhpState.ONLINE;
                for (int s = from + 1; s <= CpuhpState.ONLINE; s++) {
                    Errno err = issueCall(cpu, s, true, null);
                    if (err != null) {
                        rollbacks.increment();
                        failed.increment();
                        st.target = from;
                        for (int u = s - 1; u > from; u--) {
                            st.state = u;
                            if (u == CpuhpState.BRINGUP_CPU) {
                                online.set(cpu, 0);
                            }
                            issueTeardown(cpu, u, null);
                        }
                        st.state = from;
                        online.set(cpu, from > CpuhpState.BRINGUP_CPU ? 1 : 0);
                        throw new ErrnoException(err, "cpu" + cpu + " up failed at state " + s + " (" + steps[s].name + ")");
                    }
                    st.state = s;
                    if (s == CpuhpState.BRINGUP_CPU) {
                        online.set(cpu, 1);
                    }
                    if (s == CpuhpState.AP_ACTIVE) {
                        active.set(cpu, 1);
                    }
                }
                ups.increment();
            } finally {
                hotplugLock.writeUnlock();
            }
        } finally {
            addRemoveLock.unlock();
        }
    }

    /**
     * cpu_down / {@code echo 0 > cpuN/online}: a no-op for an offline CPU; cpu0 and the last
     * online CPU answer EBUSY. Tasks on the CPU migrate when they next ask where they run.
     */
    public void cpuDown(int cpu) {
        checkCpu(cpu);
        if (!isHotpluggable(cpu)) {
            throw new ErrnoException(Errno.EBUSY, "cpu" + cpu + " is not hotpluggable");
        }
        addRemoveLock.lock();
        try {
            hotplugLock.writeLock();
            try {
                CpuState st = cpus[cpu];
                if (st.state == CpuhpState.OFFLINE) {
                    return;
                }
                if (onlineCount() <= 1) {
                    throw new ErrnoException(Errno.EBUSY, "cpu" + cpu + " is the last online CPU");
                }
                int from = st.state;
                st.target = CpuhpState.OFFLINE;
                active.set(cpu, 0);
                for (int s = from; s > CpuhpState.OFFLINE; s--) {
                    if (s == CpuhpState.BRINGUP_CPU) {
                        online.set(cpu, 0); // takedown_cpu: the CPU is dead from here on
                    }
                    Errno err = CpuhpState.isPrepare(s) ? null : issueCall(cpu, s, false, null);
                    if (CpuhpState.isPrepare(s)) {
                        issueTeardown(cpu, s, null);
                    }
                    if (err != null) {
                        // undo_cpu_down: bring the states torn down so far back up
                        rollbacks.increment();
                        failed.increment();
                        st.target = from;
                        for (int u = s + 1; u <= from; u++) {
                            Errno again = issueCall(cpu, u, true, null);
                            if (again != null) {
                                kernel.log().warnSplat("kernel/cpu.c:1286 undo_cpu_down", "state " + u + " failed while rolling back cpu" + cpu);
                            }
                            st.state = u;
                        }
                        if (from >= CpuhpState.AP_ACTIVE) {
                            active.set(cpu, 1);
                        }
                        throw new ErrnoException(err, "cpu" + cpu + " down failed at state " + s + " (" + steps[s].name + ")");
                    }
                    st.state = s - 1;
                }
                downs.increment();
            } finally {
                hotplugLock.writeUnlock();
            }
        } finally {
            addRemoveLock.unlock();
        }
    }

    public Stats stats() {
        return new Stats(ups.sum(), downs.sum(), failed.sum(), rollbacks.sum(), callbacks.sum());
    }
}
