// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.Kernel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of a zram device's write/read/discard and its lifecycle (reset, disksize) with
 * Lincheck, on a device of {@value #PAGES} pages, in the style of Caffeine's
 * AbstractLincheckCacheTest: this class declares the operations and both strategies, each
 * subclass a configuration (the compression algorithm). The sequential specification is
 * {@link ZramSpec}: a page holds a value's pattern or zeros, and an uninitialised device refuses
 * I/O with the data path's errnos.
 *
 * <p>Each invocation gets its own machine (hung-task timeout 0, so that nothing starts a
 * watchdog thread under Lincheck; two CPUs) and device, initialised. Reset and disksize are in one
 * non-parallel group, as a shell script would issue them (two concurrent resets answer EBUSY by
 * design, which no sequential history explains).
 */
@Param(name = "page", gen = IntGen.class, conf = "0:3")
@Param(name = "value", gen = IntGen.class, conf = "0:3")
public abstract class AbstractZramLincheckTest {
    static final int PAGES = 4;
    static final int PAGE = ZramDevice.PAGE_SIZE;

    private final ZramControl control;
    private final ZramDevice dev;
    private final byte[][] patterns = new byte[4][];

    protected AbstractZramLincheckTest(String algorithm) {
        // hung-task timeout 0: no khungtaskd, as a contended lock must not start a thread under Lincheck
        Kernel kernel = Kernel.builder().lockdep(false).logCapacity(64).hungTaskTimeout(Duration.ZERO).build();
        CpuHotplug hp = new CpuHotplug(kernel, 2);
        Zcomp.setupState(hp, null);
        control = ZramHost.builder(hp).defaultCompressor(algorithm).build().create("zram0");
        control.initialise((long) PAGES * PAGE);
        dev = control.device();
        for (int v = 0; v < patterns.length; v++) {
            patterns[v] = pattern(v);
        }
    }

    /** Value 0 is a zero page (same-filled); 1..3 compressible text-like pages. */
    static byte[] pattern(int value) {
        byte[] p = new byte[PAGE];
        if (value != 0) {
            for (int i = 0; i < PAGE; i++) {
                p[i] = (byte) ("zram lincheck page ".charAt(i % 19) + value * (i / 512));
            }
        }
        return p;
    }

    private static String errno(IOException e) {
        return e instanceof ErrnoIOException x ? x.errno().name() : e.getClass().getSimpleName();
    }

    @Operation
    public String write(@Param(name = "page") int page, @Param(name = "value") int value) {
        try {
            dev.write((long) page * PAGE, ByteBuffer.wrap(patterns[value]));
            return "ok";
        } catch (IOException e) {
            return errno(e);
        }
    }

    /** The value the page holds (0: zeros), -1 when it holds no value's pattern, or the errno. */
    @Operation
    public String read(@Param(name = "page") int page) {
        byte[] got = new byte[PAGE];
        try {
            dev.read((long) page * PAGE, ByteBuffer.wrap(got));
        } catch (IOException e) {
            return errno(e);
        }
        for (int v = 0; v < patterns.length; v++) {
            if (Arrays.equals(got, patterns[v])) {
                return Integer.toString(v);
            }
        }
        return "-1";
    }

    @Operation
    public String discard(@Param(name = "page") int page) {
        try {
            dev.discard((long) page * PAGE, PAGE);
            return "ok";
        } catch (IOException e) {
            return errno(e);
        }
    }

    /** {@code echo 1 > reset}. */
    @Operation(nonParallelGroup = "lifecycle")
    public String reset() {
        try {
            control.reset();
            return "ok";
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    /** {@code echo 16K > disksize}. */
    @Operation(nonParallelGroup = "lifecycle")
    public String disksize() {
        try {
            control.initialise((long) PAGES * PAGE);
            return "ok";
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    /**
     * Runs every operation and every error path once, sequentially, so that the classes they use
     * are initialised before Lincheck snapshots static state (Lincheck 3.7 fails restoring the
     * statics of a class first initialised inside an invocation).
     */
    private void warmUp() {
        for (int v = 0; v < patterns.length; v++) {
            write(v, v);
            read(v);
        }
        discard(1);
        reset();
        reset();
        write(0, 1);
        read(0);
        discard(0);
        disksize();
        disksize();
        write(2, 2);
        read(2);
        read(3);
        dev.compact();
    }

    @Test
    @Timeout(300)
    public void modelCheckingTest() throws ReflectiveOperationException {
        ((AbstractZramLincheckTest) getClass().getConstructor().newInstance()).warmUp();
        int iterations = scaled(2);
        new ModelCheckingOptions()
                .iterations(iterations)
                .invocationsPerIteration(25)
                .loopIterationsBeforeThreadSwitch(1_000)
                .loopBound(1_000)
                // Lincheck 3.7 cannot follow a byte-buffer view VarHandle ("Unsupported VarHandle
                // type"); these read or fill the caller's own page buffer, never shared state
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(ZramDataPath.class.getName())
                        .methods("sameFilled", "fill", "word").ignore())
                // Chronicle's native memory (chunks reserved and given back by disksize and
                // reset) keeps static registries that its background releaser thread also
                // touches; Lincheck cannot snapshot those, so it does not analyse Chronicle
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(c -> c.startsWith("net.openhft.")).allMethods().ignore())
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(ZramSpec.class)
                .check(getClass());
        System.out.printf("%s model checking: %d scenarios x 25 invocations, linearizable%n", getClass().getSimpleName(), iterations);
    }

    @Test
    @Timeout(300)
    public void stressTest() throws ReflectiveOperationException {
        ((AbstractZramLincheckTest) getClass().getConstructor().newInstance()).warmUp();
        int iterations = scaled(2);
        new StressOptions()
                .iterations(iterations)
                .invocationsPerIteration(150)
                .threads(2)
                .actorsPerThread(3)
                .sequentialSpecification(ZramSpec.class)
                .check(getClass());
        System.out.printf("%s stress: %d scenarios x 150 invocations, linearizable%n", getClass().getSimpleName(), iterations);
    }

    /** CI's bounds times {@code -Djzram.lincheck.scale=N} (default 1); see {@link io.jzram.core.zsmalloc.AbstractZsPoolLincheckTest#scaled}. */
    static int scaled(int iterations) {
        return io.jzram.core.zsmalloc.AbstractZsPoolLincheckTest.scaled(iterations);
    }
}
