// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of the pool's malloc/free/map(read)/compact with Lincheck, in the style of
 * Caffeine's AbstractLincheckCacheTest: this class declares the operations, each subclass a
 * configuration (the object sizes); both strategies run on every configuration, bounded for CI.
 *
 * <p>The operations are what zram does with the pool, on a few logical slots: {@code store}
 * (malloc an object of a size, write a value's pattern into it, publish it in the slot, free the
 * old object), {@code read} (resolve the slot's handle and read its object, by copy or through a
 * mapping), {@code free}, and {@code compact}. The pool's contract says a handle is never freed
 * while another thread maps it; zram's slot lock guarantees that, so here each slot has a monitor
 * that store, read and free take, as zram does; compaction takes none, exactly as in zram. The
 * constructor lays the pool out so that compaction has work: the slots' initial objects share a
 * zspage with nothing else, and another zspage of their class has room for all of them, so a
 * compact moves every slot object while readers resolve their handles.
 *
 * <p>The sequential specification is {@link ZsPoolSpec}: a slot holds a value or nothing.
 */
@Param(name = "slot", gen = IntGen.class, conf = "0:2")
@Param(name = "value", gen = IntGen.class, conf = "1:3")
public abstract class AbstractZsPoolLincheckTest {
    static final int SLOTS = 3;

    private final ZsPool pool = new ZsPool("lincheck", 64, 0);
    private final long[] handles = new long[SLOTS];
    /** The bytes written into each slot's object (a huge object's capacity is a whole page). */
    private final int[] written = new int[SLOTS];
    private final Object[] slotLocks = {new Object(), new Object(), new Object()};
    private final int[] sizes;
    /** patterns[v]: the bytes of value v (1..3) at the largest size; an object holds a prefix. */
    private final byte[][] patterns = new byte[4][];

    /** @param sizes the object sizes a store picks from (by value: value v stores sizes[v % sizes.length]) */
    protected AbstractZsPoolLincheckTest(int... sizes) {
        this.sizes = sizes;
        for (int v = 1; v < patterns.length; v++) {
            patterns[v] = new byte[4096];
            for (int i = 0; i < 4096; i++) {
                patterns[v][i] = (byte) (v + 7 * i);
            }
        }
        int size = sizes[0];
        // the slots' initial objects (values 1..3) first, then fillers: zspage A = slots + fillers,
        // zspage B = fillers only; free A's fillers and a few of B's: A holds just the slots and B
        // has room for all of them, so compaction moves the slot objects into B.
        for (int s = 0; s < SLOTS; s++) {
            handles[s] = pool.malloc(size);
            written[s] = size;
            writePattern(handles[s], size, s + 1);
        }
        int perZspage = 0;
        for (ZsClassStats c : pool.classStats()) {
            if (c.objsUsed() > 0) {
                perZspage = c.objsPerZspage();
            }
        }
        // a huge class (one object per zspage) has nothing to compact: no fillers
        long[] fillers = new long[Math.max(0, 2 * perZspage - SLOTS)];
        for (int i = 0; i < fillers.length; i++) {
            fillers[i] = pool.malloc(size);
        }
        for (int i = 0; i < fillers.length; i++) {
            boolean inA = i < perZspage - SLOTS;
            boolean roomInB = i >= fillers.length - (SLOTS + 1);
            if (inA || roomInB) {
                pool.free(fillers[i]);
            }
        }
    }

    /** The initial state of the specification: slot s holds value s + 1. */
    static int initialValue(int slot) {
        return slot + 1;
    }

    private int sizeOf(int value) {
        return sizes[value % sizes.length];
    }

    private void writePattern(long handle, int size, int value) {
        pool.write(handle, ByteBuffer.wrap(patterns[value]), 0, size);
    }

    /** The value whose pattern the bytes hold, or -2 when they hold none (a torn or misplaced read). */
    private int decode(byte[] got, int size) {
        int value = got[0] & 0xFF;
        if (value < 1 || value >= patterns.length
                || !Arrays.equals(got, 0, size, patterns[value], 0, size)) {
            return -2;
        }
        return value;
    }

    @Operation
    public void store(@Param(name = "slot") int slot, @Param(name = "value") int value) {
        int size = sizeOf(value);
        long h = pool.malloc(size);
        writePattern(h, size, value);
        long old;
        synchronized (slotLocks[slot]) {
            old = handles[slot];
            handles[slot] = h;
            written[slot] = size;
        }
        if (old != 0) {
            pool.free(old);
        }
    }

    /** Reads by copy (zs_obj_read_begin with a copy). */
    @Operation
    public int read(@Param(name = "slot") int slot) {
        synchronized (slotLocks[slot]) {
            long h = handles[slot];
            if (h == 0) {
                return 0;
            }
            int size = written[slot];
            byte[] got = new byte[size];
            pool.read(h, ByteBuffer.wrap(got), 0, size);
            return decode(got, size);
        }
    }

    /** Reads in place through a mapping (what decompression does). */
    @Operation
    public int mapRead(@Param(name = "slot") int slot) {
        synchronized (slotLocks[slot]) {
            long h = handles[slot];
            if (h == 0) {
                return 0;
            }
            ZsMapping m = new ZsMapping();
            pool.map(h, m);
            try {
                int size = written[slot];
                byte[] got = new byte[size];
                m.buffer().get(m.offset(), got);
                return decode(got, size);
            } finally {
                pool.unmap(m);
            }
        }
    }

    @Operation
    public boolean free(@Param(name = "slot") int slot) {
        long h;
        synchronized (slotLocks[slot]) {
            h = handles[slot];
            handles[slot] = 0;
        }
        if (h == 0) {
            return false;
        }
        pool.free(h);
        return true;
    }

    @Operation
    public void compact() {
        pool.compact();
    }

    /**
     * The scenarios the random generator rarely makes: an access of each kind in one thread, a
     * compaction in the other, on the layout where compaction moves the slots' objects. Each is
     * explored with the same invocation budget as a random scenario.
     */
    private List<ExecutionScenario> racesWithCompaction() {
        try {
            Method read = AbstractZsPoolLincheckTest.class.getMethod("read", int.class);
            Method mapRead = AbstractZsPoolLincheckTest.class.getMethod("mapRead", int.class);
            Method store = AbstractZsPoolLincheckTest.class.getMethod("store", int.class, int.class);
            Method free = AbstractZsPoolLincheckTest.class.getMethod("free", int.class);
            Method compact = AbstractZsPoolLincheckTest.class.getMethod("compact");
            Actor compactor = new Actor(compact, List.of());
            return List.of(
                    scenario(List.of(new Actor(read, List.of(0))), List.of(compactor)),
                    scenario(List.of(new Actor(mapRead, List.of(1))), List.of(compactor)),
                    scenario(List.of(new Actor(store, List.of(2, 3)), new Actor(read, List.of(2))), List.of(compactor)),
                    scenario(List.of(new Actor(free, List.of(0)), new Actor(mapRead, List.of(2))), List.of(compactor,
                            new Actor(read, List.of(1)))));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    private static ExecutionScenario scenario(List<Actor> first, List<Actor> second) {
        return new ExecutionScenario(List.of(), List.of(first, second), List.of(), null);
    }

    /** The layout the constructor promises: compaction of a fresh instance moves the slots' objects. */
    @Test
    public void compactionHasWorkAndKeepsTheValues() {
        AbstractZsPoolLincheckTest fresh;
        try {
            fresh = getClass().getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        long freed = fresh.pool.compact();
        System.out.printf("%s: a fresh layout's compaction freed %d pages%n", getClass().getSimpleName(), freed);
        if (sizes[0] < 3000 && freed == 0) {
            throw new AssertionError("compaction had nothing to move");
        }
        for (int s = 0; s < SLOTS; s++) {
            if (fresh.read(s) != initialValue(s) || fresh.mapRead(s) != initialValue(s)) {
                throw new AssertionError("slot " + s + " lost its value to compaction");
            }
        }
        fresh.pool.close();
    }

    @Test
    @Timeout(300)
    public void modelCheckingTest() {
        int iterations = scaled(2);
        ModelCheckingOptions options = new ModelCheckingOptions();
        for (ExecutionScenario sc : racesWithCompaction()) {
            options.addCustomScenario(sc);
        }
        options
                .iterations(iterations)
                .invocationsPerIteration(100)
                // compaction visits each of the ~200 size classes: not a spin loop
                .loopIterationsBeforeThreadSwitch(1_000)
                .loopBound(1_000)
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(ZsPoolSpec.class)
                .check(getClass());
        System.out.printf("%s model checking: %d scenarios x 100 invocations, linearizable%n", getClass().getSimpleName(), iterations);
    }

    @Test
    @Timeout(300)
    public void stressTest() {
        int iterations = scaled(3);
        new StressOptions()
                .iterations(iterations)
                .invocationsPerIteration(300)
                .threads(2)
                .actorsPerThread(3)
                .sequentialSpecification(ZsPoolSpec.class)
                .check(getClass());
        System.out.printf("%s stress: %d scenarios x 300 invocations, linearizable%n", getClass().getSimpleName(), iterations);
    }

    /**
     * CI's bounds times {@code -Djzram.lincheck.scale=N} (default 1): the long mode is
     * {@code mvn -pl core -am test -Dtest='*LincheckTest' -Dsurefire.failIfNoSpecifiedTests=false -Djzram.lincheck.scale=20}.
     */
    public static int scaled(int iterations) {
        return iterations * Math.max(1, Integer.getInteger("jzram.lincheck.scale", 1));
    }
}
