// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.core.zsmalloc.FreePages;
import io.jzram.core.zsmalloc.ZsPool;
import io.jzram.kernel.Kernel;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The machine's free pages: a reset device holds 0 bytes and every byte it held is either in the
 * machine's reserve (bounded by its limit) or back with the OS; trim and machine shutdown give the
 * reserve back, after which the process's native memory is where it was before the machine.
 */
@Timeout(60)
class FreePagesTest {
    static final long BLOCK = 2L << 20;

    private static void fill(ZramDevice d, int pages, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < pages; i++) {
            d.write(i * 4096L, ByteBuffer.wrap(PageGen.pick(r).bytes(r, 4096)));
        }
    }

    @Test
    void aResetDevicesPagesStayWithTheMachineUpToItsLimitAndGoBackOnTrimAndShutdown() throws Exception {
        long baseline = Machine.chronicleNativeBytes();
        try (Machine mc = new Machine(2, false, null)) {
            FreePages machine = mc.host.freePages();
            assertThat(machine).isSameAs(FreePages.of(mc.kernel));
            machine.setReserveLimit(64L << 20);
            ZramDevice d = mc.device("zram0", 64L << 20, "lz4");
            long streams = mc.host.streamBytes();
            fill(d, 6000, 1);
            long held = d.memory().poolReservedBytes();
            assertThat(held).isPositive().isEqualTo(machine.lentBytes());
            assertThat(Machine.chronicleNativeBytes() - baseline).isEqualTo(held + streams);

            d.control().reset();
            assertThat(d.memory()).as("a reset device holds nothing").isEqualTo(new ZramMemory(0, 0, 0, 0, 0));
            assertThat(machine.lentBytes()).isZero();
            assertThat(machine.freeBytes()).as("every byte the pool held is in the machine's reserve").isEqualTo(held);
            assertThat(Machine.chronicleNativeBytes() - baseline).isEqualTo(machine.freeBytes());

            // the next device takes the same blocks: no new memory from the OS
            long[] c0 = machine.counters();
            d.control().setCompAlgorithm("lz4");
            d.control().initialise(64L << 20);
            fill(d, 6000, 1);
            long[] c1 = machine.counters();
            assertThat(c1[0] - c0[0]).as("blocks reserved from the OS").isZero();
            assertThat((c1[2] - c0[2]) * BLOCK).as("blocks reused").isEqualTo(held);
            d.control().reset();

            assertThat(machine.trim()).isEqualTo(held);
            assertThat(machine.freeBytes()).isZero();
            assertThat(Machine.chronicleNativeBytes()).as("after trim").isEqualTo(baseline);

            d.control().setCompAlgorithm("lz4");
            d.control().initialise(64L << 20);
            fill(d, 6000, 2);
            d.control().reset();
            assertThat(machine.freeBytes()).isPositive();
        }
        assertThat(Machine.chronicleNativeBytes()).as("after the machine closed").isEqualTo(baseline);
    }

    @Test
    void theReserveIsBoundedByItsLimit() throws Exception {
        long baseline = Machine.chronicleNativeBytes();
        try (Machine mc = new Machine(2, false, null)) {
            FreePages machine = mc.host.freePages();
            machine.setReserveLimit(2 * BLOCK);
            ZramDevice d = mc.device("zram0", 64L << 20, "lz4");
            fill(d, 8000, 3);
            assertThat(d.memory().poolReservedBytes()).isGreaterThan(2 * BLOCK);
            d.control().reset();
            assertThat(machine.freeBytes()).isEqualTo(2 * BLOCK);
            assertThat(Machine.chronicleNativeBytes() - baseline).isEqualTo(2 * BLOCK);
            machine.setReserveLimit(BLOCK);
            assertThat(machine.freeBytes()).as("lowering the limit gives the excess back").isEqualTo(BLOCK);
            assertThat(Machine.chronicleNativeBytes() - baseline).isEqualTo(BLOCK);
        }
        assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
    }

    @Test
    void byDefaultAMachineKeepsNothing() throws Exception {
        long baseline = Machine.chronicleNativeBytes();
        try (Machine mc = new Machine(2, false, null)) {
            assertThat(mc.host.freePages().reserveLimit()).isZero();
            ZramDevice d = mc.device("zram0", 16L << 20, "lz4");
            fill(d, 2000, 4);
            d.control().reset();
            assertThat(mc.host.freePages().freeBytes()).isZero();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
        }
    }

    @Test
    void aPoolOpenWhenTheMachineClosesGivesItsBlocksToTheOsLater() {
        long baseline = Machine.chronicleNativeBytes();
        Kernel k = Kernel.builder().lockdep(false).build();
        FreePages machine = FreePages.of(k);
        machine.setReserveLimit(1L << 30);
        ZsPool pool = new ZsPool("late", machine);
        pool.malloc(100);
        k.close();
        assertThat(machine.freeBytes()).isZero();
        assertThat(pool.reservedBytes()).isEqualTo(BLOCK);
        pool.close();
        assertThat(machine.freeBytes()).as("a closed machine keeps nothing").isZero();
        assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
        assertThat(FreePages.of(k)).as("a closed kernel keeps its (closed) subsystem").isSameAs(machine);
        Kernel other = Kernel.builder().lockdep(false).build();
        assertThat(FreePages.of(other)).as("one per kernel").isNotSameAs(machine);
        other.close();
        assertThatThrownBy(() -> other.subsystem(Dummy.class, Dummy::new)).isInstanceOf(IllegalStateException.class);
    }

    /** A subsystem a closed kernel refuses to make. */
    static final class Dummy implements AutoCloseable {
        @Override
        public void close() {
        }
    }

    @Test
    void anEmbeddedDevicesPrivateMachineKeepsItsReserveUntilTheDeviceCloses() throws Exception {
        long baseline = Machine.chronicleNativeBytes();
        try (ZramDevice d = ZramDevice.builder().diskSize(32L << 20).cpus(2).freePageReserve(8L << 20).build()) {
            fill(d, 4000, 5);
            long held = d.memory().poolReservedBytes();
            d.discard(0, 32L << 20);
            assertThat(d.memory().poolReservedBytes()).as("one spare chunk").isLessThanOrEqualTo(BLOCK);
            assertThat(Machine.chronicleNativeBytes() - baseline - d.memory().nativeBytes())
                    .as("the machine's reserve: what the pool gave back, up to the limit").isEqualTo(Math.min(8L << 20, held - d.memory().poolReservedBytes()));
        }
        assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
        assertThatThrownBy(() -> ZramDevice.builder().freePageReserve(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
