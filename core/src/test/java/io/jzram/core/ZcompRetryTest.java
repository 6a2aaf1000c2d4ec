// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Kernel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The 6.15+ stream retry, forced: a writer (and a reader) looks up its CPU's stream, the CPU dies
 * before it takes the stream's lock (the dead callback frees the stream), so it finds the stream
 * without buffers, unlocks it and retries on the CPU it has migrated to. The seam in
 * {@link Zcomp#streamGet} opens that window on purpose; the test asserts the retry happened
 * (the counter moved by exactly one per forced window), the task migrated, and the data reads back.
 */
@Timeout(60)
class ZcompRetryTest {

    /** Takes {@code cpu} down from another task (cpu_down is not done by the task that runs there). */
    private static void cpuDownElsewhere(CpuHotplug hp, int cpu) {
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                hp.cpuDown(cpu);
            } catch (Throwable e) {
                err.set(e);
            }
        }, "cpu-down-" + cpu);
        t.start();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertThat(t.isAlive()).as("cpu_down of cpu%d finished", cpu).isFalse();
        assertThat(err.get()).isNull();
    }

    /** A hook that, the first time the CPU lookup returns {@code cpu}, takes that CPU down; records what it did. */
    private static IntConsumer killOnce(CpuHotplug hp, int cpu, List<String> fired) {
        return looked -> {
            if (looked == cpu && fired.isEmpty()) {
                fired.add("cpu" + looked);
                cpuDownElsewhere(hp, looked);
            }
        };
    }

    @Test
    void aWriterAndAReaderWhoseCpuDiesBeforeTheLockRetryOnTheirNewCpu() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 4);
            try (ZramDevice d = ZramDevice.builder().diskSize(1 << 20).algorithm("lz4").hotplug(hp).build()) {
                Zcomp c = d.control().compressor(ZramDevice.PRIMARY_COMP);
                assertThat(c.liveStreams()).isEqualTo(4);
                byte[] text = PageGen.TEXT.bytes(new SplittableRandom(17), 4096);
                byte[] other = PageGen.TEXT.bytes(new SplittableRandom(18), 4096);

                // the write: pinned to cpu2, which dies between the lookup and the lock
                hp.placement().pinCurrentThread(2);
                List<String> fired = new ArrayList<>();
                c.setAfterCpuLookupHook(killOnce(hp, 2, fired));
                long before = c.streamGetRetries();
                d.write(0, ByteBuffer.wrap(text));
                assertThat(fired).as("the window was opened").containsExactly("cpu2");
                assertThat(c.streamGetRetries() - before).as("the writer retried once").isEqualTo(1);
                assertThat(hp.isOnline(2)).isFalse();
                assertThat(c.liveStreams()).isEqualTo(3);
                int writerCpu = hp.currentCpu();
                assertThat(writerCpu).as("the writer migrated").isNotEqualTo(2);

                // the read (decompression takes a stream too): pinned to cpu3, which dies the same way
                d.write(4096, ByteBuffer.wrap(other));
                hp.placement().pinCurrentThread(3);
                List<String> firedRead = new ArrayList<>();
                c.setAfterCpuLookupHook(killOnce(hp, 3, firedRead));
                long beforeRead = c.streamGetRetries();
                ByteBuffer back = ByteBuffer.allocate(4096);
                d.read(4096, back);
                assertThat(firedRead).containsExactly("cpu3");
                assertThat(c.streamGetRetries() - beforeRead).as("the reader retried once").isEqualTo(1);
                assertThat(back.array()).as("the page read back after the retry").isEqualTo(other);
                c.setAfterCpuLookupHook(null);

                // everything written reads back, on the CPUs left
                ByteBuffer first = ByteBuffer.allocate(4096);
                d.read(0, first);
                assertThat(first.array()).isEqualTo(text);
                assertThat(d.ioStat().failedWrites()).isZero();
                assertThat(d.ioStat().failedReads()).isZero();
                assertThat(c.liveStreams()).isEqualTo(2);
                assertThat(k.log().dmesg()).contains("no longer affine to cpu2", "no longer affine to cpu3");
                System.out.printf("forced stream retries: write on cpu2 -> cpu%d, read on cpu3 -> cpu%d; retries %d; migrations %d%n",
                        writerCpu, hp.currentCpu(), c.streamGetRetries(), hp.placement().migrations());

                // the CPUs come back: their streams are prepared again
                hp.cpuUp(2);
                hp.cpuUp(3);
                assertThat(c.liveStreams()).isEqualTo(4);
            }
            assertThat(k.log().scan(0).clean()).isTrue();
        }
    }
}
