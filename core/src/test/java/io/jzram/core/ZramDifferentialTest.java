// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.hotplug.CpuhpState;
import io.jzram.hotplug.HotplugStorm;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomised differential test: seeded sequences of aligned and unaligned writes, reads, discards
 * and write-zeroes of same-filled, compressible and incompressible data, on a device and on a
 * byte-array model ({@link PageModel}). Every read must equal the model; at the end every byte and
 * every counter the model implies (orig_data_size, compr_data_size, same_pages, huge_pages,
 * notify_free, no failures) must match. Single-threaded, and with writer threads on disjoint
 * ranges while a CPU hotplug storm runs on the device's machine.
 */
@Timeout(120)
class ZramDifferentialTest {
    private static final int PAGE = 4096;

    enum Op { WRITE_ALIGNED, WRITE_UNALIGNED, READ_ALIGNED, READ_UNALIGNED, DISCARD, WRITE_ZEROES, OVERWRITE_SAME }

    /** One worker's run over [base, base + size) of the device. */
    static final class Worker {
        final ZramDevice dev;
        final PageModel model;
        final long base;
        final SplittableRandom rnd;
        final Map<Op, Integer> counts = new EnumMap<>(Op.class);
        long bytesVerified;
        Runnable beforeOp = () -> { };

        Worker(ZramDevice dev, long base, long size, long seed) {
            this.dev = dev;
            this.model = new PageModel(size);
            this.base = base;
            this.rnd = new SplittableRandom(seed);
        }

        void run(int ops) throws Exception {
            long size = model.bytes.length;
            int pages = (int) (size / PAGE);
            for (int i = 0; i < ops; i++) {
                beforeOp.run();
                Op op = Op.values()[rnd.nextInt(Op.values().length)];
                counts.merge(op, 1, Integer::sum);
                switch (op) {
                    case WRITE_ALIGNED, OVERWRITE_SAME -> {
                        int n = 1 + rnd.nextInt(Math.min(8, pages));
                        long off = (long) rnd.nextInt(pages - n + 1) * PAGE;
                        byte[] data = new byte[n * PAGE];
                        for (int p = 0; p < n; p++) {
                            PageGen g = op == Op.OVERWRITE_SAME ? (rnd.nextBoolean() ? PageGen.ZERO : PageGen.SAME_FILLED) : PageGen.pick(rnd);
                            System.arraycopy(g.bytes(rnd, PAGE), 0, data, p * PAGE, PAGE);
                        }
                        write(off, data);
                    }
                    case WRITE_UNALIGNED -> {
                        int len = 1 + rnd.nextInt(3 * PAGE);
                        long off = rnd.nextLong(size - len + 1);
                        write(off, PageGen.pick(rnd).bytes(rnd, len));
                    }
                    case READ_ALIGNED -> {
                        int n = 1 + rnd.nextInt(Math.min(16, pages));
                        verify((long) rnd.nextInt(pages - n + 1) * PAGE, n * PAGE);
                    }
                    case READ_UNALIGNED -> {
                        int len = 1 + rnd.nextInt(3 * PAGE);
                        verify(rnd.nextLong(size - len + 1), len);
                    }
                    case DISCARD -> {
                        long len = 1 + rnd.nextInt(6 * PAGE);
                        long off = rnd.nextLong(size - len + 1);
                        if (rnd.nextBoolean()) {
                            off &= ~(PAGE - 1L);
                            len = (len + PAGE - 1) & ~(PAGE - 1L);
                            len = Math.min(len, size - off);
                        }
                        dev.discard(base + off, len);
                        model.discard(off, len);
                    }
                    case WRITE_ZEROES -> {
                        long len = 1 + rnd.nextInt(6 * PAGE);
                        long off = rnd.nextLong(size - len + 1);
                        dev.writeZeroes(base + off, len);
                        model.writeZeroes(off, len);
                    }
                    default -> throw new AssertionError(op);
                }
            }
            verify(0, (int) size);
        }

        private void write(long off, byte[] data) throws Exception {
            ByteBuffer src = rnd.nextBoolean() ? ByteBuffer.wrap(data) : ByteBuffer.allocateDirect(data.length).put(data).flip();
            dev.write(base + off, src);
            assertThat(src.hasRemaining()).isFalse();
            model.write(off, data);
        }

        private void verify(long off, int len) throws Exception {
            ByteBuffer dst = rnd.nextBoolean() ? ByteBuffer.allocate(len) : ByteBuffer.allocateDirect(len);
            dev.read(base + off, dst);
            assertThat(dst.hasRemaining()).isFalse();
            byte[] got = new byte[len];
            dst.flip().get(got);
            byte[] want = model.read(off, len);
            if (!java.util.Arrays.equals(got, want)) {
                int i = java.util.Arrays.mismatch(got, want);
                throw new AssertionError(String.format("read [%d, +%d) differs from the model at byte %d (page %d): got %d, want %d; slot %s",
                        base + off, len, base + off + i, (base + off + i) / PAGE, got[i], want[i], dev.control().slotFlags((base + off + i) / PAGE)));
            }
            bytesVerified += len;
        }
    }

    private static void checkCounters(ZramDevice dev, List<Worker> workers) {
        PageModel.Expected e = new PageModel.Expected();
        long notify = 0;
        try (ZcompConfig cfg = PageModel.lz4Config(); ZcompContext lz4 = cfg.createContext()) {
            for (Worker w : workers) {
                w.model.expect(e, lz4);
                notify += w.model.notifyFree;
            }
        }
        MmStat mm = dev.mmStat();
        System.out.printf("  device mm_stat: %s  model: stored=%d same=%d huge=%d compr=%d notify_free=%d%n", mm.sysfsLine().trim(),
                e.pagesStored, e.samePages, e.hugePages, e.comprDataSize, notify);
        assertThat(PageModel.MmStatPart.of(mm)).isEqualTo(e.mm());
        assertThat(mm.hugePagesSince()).isGreaterThanOrEqualTo(mm.hugePages());
        assertThat(mm.memUsedTotal()).isLessThanOrEqualTo(mm.memUsedMax());
        assertThat(dev.ioStat()).isEqualTo(new IoStat(0, 0, notify));
        assertThat(dev.debugStat().missFree()).isZero();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void singleThreaded(long seed) throws Exception {
        try (Machine mc = new Machine(2)) {
            long size = 1L << 22; // 1024 pages
            ZramDevice dev = mc.device("zram0", size, "lz4");
            Worker w = new Worker(dev, 0, size, seed);
            long t0 = System.nanoTime();
            w.run(4000);
            System.out.printf("single-threaded seed %d: %s, %d bytes verified in %d ms%n", seed, w.counts, w.bytesVerified,
                    (System.nanoTime() - t0) / 1_000_000);
            checkCounters(dev, List.of(w));
            long[] st = dev.blockStat().values();
            assertThat(st[0] + st[4]).as("read + write ios").isPositive();
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12})
    void writersOnDisjointRangesDuringAHotplugStorm(long seed) throws Exception {
        int threads = 3;
        long nativeBefore = Machine.chronicleNativeBytes();
        try (Machine mc = new Machine(4)) {
            long region = 1L << 21; // 512 pages each
            ZramDevice dev = mc.device("zram0", region * threads + 5 * PAGE, "lz4");
            HotplugStorm storm = new HotplugStorm(mc.hotplug, HotplugStorm.allHotpluggable(mc.hotplug), 400, seed);
            List<Worker> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(new Worker(dev, region * t, region, seed * 100 + t));
            }
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (Worker w : workers) {
                int cpu = 1 + ts.size() % (mc.hotplug.nrCpus() - 1);
                w.beforeOp = () -> { // back onto its CPU whenever that is up again
                    if (mc.hotplug.isActive(cpu) && mc.hotplug.currentCpu() != cpu) {
                        try {
                            mc.hotplug.placement().pinCurrentThread(cpu);
                        } catch (io.jzram.kernel.ErrnoException e) {
                            // went down in between
                        }
                    }
                };
                Thread th = new Thread(() -> {
                    try {
                        // pinned to a CPU the storm takes down: the writer migrates mid-I/O
                        try {
                            mc.hotplug.placement().pinCurrentThread(cpu);
                        } catch (io.jzram.kernel.ErrnoException e) {
                            // the storm (started meanwhile) took it down first: beforeOp pins it later
                        }
                        start.await();
                        w.run(8000);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "writer-" + ts.size());
                ts.add(th);
                th.start();
            }
            storm.start(Duration.ofSeconds(30));
            long t0 = System.nanoTime();
            start.countDown();
            for (Thread th : ts) {
                th.join();
            }
            HotplugStorm.Report r = storm.stop();
            System.out.printf("storm seed %d: %d toggles (%d up, %d down, failures %s) during %d ms of I/O; migrations %d, stream-get retries %d%n",
                    seed, r.toggles(), r.ups(), r.downs(), r.failures(), (System.nanoTime() - t0) / 1_000_000,
                    mc.hotplug.placement().migrations(), dev.control().compressor(ZramDevice.PRIMARY_COMP).streamGetRetries());
            for (Worker w : workers) {
                System.out.printf("  %s: %s, %d bytes verified%n", "worker@" + w.base, w.counts, w.bytesVerified);
            }
            assertThat(failures).as("worker failures").isEmpty();
            assertThat(r.toggles()).as("the storm toggled CPUs").isPositive();
            checkCounters(dev, workers);

            // every stream is where the CPUs say: one per CPU at or above the prepare state
            int prepared = 0;
            for (int cpu = 0; cpu < mc.hotplug.nrCpus(); cpu++) {
                if (mc.hotplug.cpuState(cpu) >= CpuhpState.ZCOMP_PREPARE) {
                    prepared++;
                }
            }
            Zcomp c = dev.control().compressor(ZramDevice.PRIMARY_COMP);
            assertThat(c.liveStreams()).isEqualTo(prepared);
            assertThat(mc.host.streamBytes()).isEqualTo((long) prepared * ZcompStrm.BYTES);
            dev.control().reset();
            assertThat(mc.host.streamBytes()).as("streams after reset").isZero();
            assertThat(Machine.chronicleNativeBytes()).as("native memory after reset").isEqualTo(nativeBefore);
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }
}
