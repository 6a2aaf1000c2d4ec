// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The aligned 4 KiB data path allocates nothing on the heap per page (after the JIT has settled):
 * same-filled, compressible and huge pages, heap and direct buffers, writes and reads. The JMH
 * benchmark's {@code -prof gc} says the same; this keeps it true in {@code mvn verify}.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZramAllocationTest {

    @Test
    void alignedWritesAndReadsAllocateNothingPerPage() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Machine mc = new Machine(2, false, null)) {
            ZramDevice d = mc.device("zram0", 256 * 4096, "lz4");
            SplittableRandom r = new SplittableRandom(5);
            PageGen[] kinds = {PageGen.TEXT, PageGen.STRUCTS, PageGen.RANDOM, PageGen.SAME_FILLED, PageGen.ZERO, PageGen.TEXT};
            ByteBuffer[] srcs = new ByteBuffer[kinds.length * 2];
            for (int i = 0; i < kinds.length; i++) {
                byte[] b = kinds[i].bytes(r, 4096);
                srcs[2 * i] = ByteBuffer.wrap(b);
                srcs[2 * i + 1] = ByteBuffer.allocateDirect(4096).put(b).flip();
            }
            ByteBuffer[] dsts = {ByteBuffer.allocate(4096), ByteBuffer.allocateDirect(4096)};
            int ops = 4000;
            long allocated = Long.MAX_VALUE;
            int windows = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (windows < 80 && System.nanoTime() < deadline) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < ops; i++) {
                    ByteBuffer src = srcs[i % srcs.length].clear();
                    long off = (long) (i & 255) * 4096;
                    d.write(off, src);
                    d.read(off, dsts[i & 1].clear());
                }
                allocated = mx.getCurrentThreadAllocatedBytes() - before;
                windows++;
                if (windows > 3 && allocated < 1024) {
                    break;
                }
            }
            System.out.printf("device: %d bytes allocated by %d page writes + %d page reads (window %d)%n", allocated, ops, ops, windows);
            assertThat(allocated).as("bytes allocated by %d writes and reads after %d windows", ops, windows).isLessThan(1024);
        }
    }
}
