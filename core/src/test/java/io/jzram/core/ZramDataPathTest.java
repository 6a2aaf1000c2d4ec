// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.block.BlockDevice;
import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.block.BlockDevice.BlockState;
import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Edges of the block interface: ranges, buffers, block status, statistics, per-page atomicity. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZramDataPathTest {
    private static final int PAGE = 4096;

    @Test
    void requestsBeyondTheCapacityChangeNothing() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 8 * PAGE, "lz4");
            byte[] text = PageGen.TEXT.bytes(new SplittableRandom(1), 2 * PAGE);
            d.write(6 * PAGE, ByteBuffer.wrap(text));
            MmStat before = d.mmStat();
            BlockStat bs = d.blockStat();
            ByteBuffer src = ByteBuffer.wrap(new byte[3 * PAGE]);
            expect(Errno.ENOSPC, () -> d.write(6 * PAGE, src));
            assertThat(src.position()).isZero();
            expect(Errno.ENOSPC, () -> d.write(8 * PAGE, ByteBuffer.allocate(1)));
            expect(Errno.ENOSPC, () -> d.write(Long.MAX_VALUE - 10, ByteBuffer.allocate(100)));
            expect(Errno.EINVAL, () -> d.write(-4096, ByteBuffer.allocate(100)));
            expect(Errno.EIO, () -> d.read(7 * PAGE + 1, ByteBuffer.allocate(PAGE)));
            expect(Errno.ENOSPC, () -> d.discard(4 * PAGE, 5 * PAGE));
            expect(Errno.ENOSPC, () -> d.writeZeroes(7 * PAGE, PAGE + 1));
            expect(Errno.EIO, () -> d.blockState(8 * PAGE));
            assertThat(d.mmStat()).isEqualTo(before);
            assertThat(d.ioStat()).as("the block layer's range errors are not zram's failures").isEqualTo(new IoStat(0, 0, 0));
            assertThat(d.blockStat()).isEqualTo(bs);
            ByteBuffer back = ByteBuffer.allocate(2 * PAGE);
            d.read(6 * PAGE, back);
            assertThat(back.array()).isEqualTo(text);
            d.write(8 * PAGE, ByteBuffer.allocate(0)); // empty at the end: fine
        }
    }

    @Test
    void buffersPositionsAndReadOnly() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 8 * PAGE, "lz4");
            byte[] text = PageGen.TEXT.bytes(new SplittableRandom(2), 3 * PAGE);
            ByteBuffer ro = ByteBuffer.wrap(text).asReadOnlyBuffer();
            ro.position(100).limit(100 + 2 * PAGE);
            d.write(PAGE, ro);
            assertThat(ro.position()).isEqualTo(100 + 2 * PAGE);
            assertThatThrownBy(() -> d.read(0, ByteBuffer.allocate(10).asReadOnlyBuffer())).isInstanceOf(ReadOnlyBufferException.class);
            ByteBuffer dst = ByteBuffer.allocateDirect(3 * PAGE);
            dst.position(7).limit(7 + 2 * PAGE);
            d.read(PAGE, dst);
            assertThat(dst.position()).isEqualTo(7 + 2 * PAGE);
            byte[] got = new byte[2 * PAGE];
            dst.get(7, got);
            assertThat(got).isEqualTo(Arrays.copyOfRange(text, 100, 100 + 2 * PAGE));
            // a slice (array offset) as the source of a same-filled page
            byte[] big = new byte[PAGE + 50];
            Arrays.fill(big, 50, PAGE + 50, (byte) 7);
            d.write(5 * PAGE, ByteBuffer.wrap(big, 50, PAGE).slice());
            assertThat(d.control().slotFlags(5)).containsExactly("same");
            ByteBuffer back = ByteBuffer.allocate(PAGE);
            d.read(5 * PAGE, back);
            assertThat(back.array()).containsOnly(7);
        }
    }

    @Test
    void blockStatusAndFreeNotify() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 8 * PAGE, "lz4");
            d.write(0, ByteBuffer.allocate(PAGE));
            byte[] ones = new byte[PAGE];
            Arrays.fill(ones, (byte) 1);
            d.write(PAGE, ByteBuffer.wrap(ones));
            d.write(2 * PAGE, ByteBuffer.wrap(PageGen.TEXT.bytes(new SplittableRandom(3), PAGE)));
            d.write(3 * PAGE, ByteBuffer.wrap(PageGen.TEXT.bytes(new SplittableRandom(3), PAGE)));
            d.discard(3 * PAGE, PAGE);
            assertThat(d.blockState(0)).isEqualTo(BlockState.ZERO);
            assertThat(d.blockState(PAGE + 5)).isEqualTo(BlockState.DATA);
            assertThat(d.blockState(2 * PAGE)).isEqualTo(BlockState.DATA);
            assertThat(d.blockState(3 * PAGE)).isEqualTo(BlockState.HOLE);
            assertThat(d.blockState(7 * PAGE)).isEqualTo(BlockState.HOLE);

            // swap_slot_free_notify: frees, or counts a miss when the slot is locked
            ZramMeta m = d.control().currentMeta();
            long[] chunk = m.table.chunk(2);
            long f = SlotTable.lock(chunk, SlotTable.base(2));
            d.control().slotFreeNotify(2);
            assertThat(d.debugStat().missFree()).isEqualTo(1);
            SlotTable.unlock(chunk, SlotTable.base(2), f);
            assertThat(d.blockState(2 * PAGE)).isEqualTo(BlockState.DATA);
            d.control().slotFreeNotify(2);
            assertThat(d.blockState(2 * PAGE)).isEqualTo(BlockState.HOLE);
            assertThat(d.ioStat().notifyFree()).isEqualTo(3);
            assertThat(d.debugStat().sysfsText()).isEqualTo("version: 1\n0        1\n");
        }
    }

    @Test
    void partialDiscardAndWriteZeroes() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 8 * PAGE, "lz4");
            byte[] text = PageGen.TEXT.bytes(new SplittableRandom(4), 4 * PAGE);
            d.write(0, ByteBuffer.wrap(text));
            d.discard(100, PAGE); // inside pages 0 and 1: no whole page, nothing freed
            assertThat(d.ioStat().notifyFree()).isZero();
            assertThat(d.mmStat().origDataSize()).isEqualTo(4L * PAGE);
            d.discard(100, 2 * PAGE); // page 1 whole
            assertThat(d.ioStat().notifyFree()).isEqualTo(1);
            assertThat(d.blockState(PAGE)).isEqualTo(BlockState.HOLE);
            d.writeZeroes(2 * PAGE + 10, PAGE); // zero the tail of page 2 and the head of page 3
            assertThat(d.ioStat().notifyFree()).isEqualTo(1);
            byte[] want = text.clone();
            Arrays.fill(want, PAGE, 2 * PAGE, (byte) 0);
            Arrays.fill(want, 2 * PAGE + 10, 3 * PAGE + 10, (byte) 0);
            ByteBuffer back = ByteBuffer.allocate(4 * PAGE);
            d.read(0, back);
            assertThat(back.array()).isEqualTo(want);
            d.writeZeroes(5 * PAGE + 1, 10); // an empty page stays empty
            assertThat(d.blockState(5 * PAGE)).isEqualTo(BlockState.HOLE);
            d.writeZeroes(0, 4 * PAGE);
            assertThat(d.mmStat().origDataSize()).isZero();
            assertThat(d.ioStat().notifyFree()).isEqualTo(5);
        }
    }

    @Test
    void blockLayerStatistics() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 64 * PAGE, "lz4");
            d.write(0, ByteBuffer.allocate(16 * PAGE));
            d.write(100, ByteBuffer.allocate(1000)); // 2 sectors, rounded up
            d.read(0, ByteBuffer.allocate(3 * PAGE));
            d.read(1, ByteBuffer.allocate(1));
            d.discard(0, 8 * PAGE);
            d.flush();
            BlockStat s = d.blockStat();
            System.out.println(s.sysfsLine());
            assertThat(s.writeIos()).isEqualTo(2);
            assertThat(s.writeSectors()).isEqualTo(16 * 8 + 2);
            assertThat(s.readIos()).isEqualTo(2);
            assertThat(s.readSectors()).isEqualTo(3 * 8 + 1);
            assertThat(s.inFlight()).isZero();
            assertThat(s.discardIos()).isZero();
            assertThat(s.flushIos()).isZero();
            assertThat(s.sysfsLine().split(" +")).hasSize(18); // a leading blank, then 17 fields
            assertThat(s.sysfsLine()).endsWith("\n");
        }
    }

    @Test
    void concurrentPartialWritesToOnePageLoseNothing() throws Exception {
        try (Machine mc = new Machine(4)) {
            ZramDevice d = mc.device("zram0", 4 * PAGE, "lz4");
            int threads = 4;
            int rounds = 3000;
            int slice = PAGE / threads;
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> err = new AtomicReference<>();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                        ByteBuffer b = ByteBuffer.allocate(slice);
                        for (int r = 1; r <= rounds; r++) {
                            Arrays.fill(b.array(), (byte) (r * 7 + me));
                            b.clear();
                            d.write(PAGE + (long) me * slice, b);
                        }
                    } catch (Throwable e) {
                        err.compareAndSet(null, e);
                    }
                });
                ts.add(th);
                th.start();
            }
            Thread reader = new Thread(() -> {
                try {
                    go.await();
                    ByteBuffer b = ByteBuffer.allocate(PAGE);
                    for (int r = 0; r < rounds; r++) {
                        b.clear();
                        d.read(PAGE, b);
                        for (int t = 0; t < threads; t++) {
                            byte v = b.get(t * slice);
                            for (int i = 1; i < slice; i++) {
                                if (b.get(t * slice + i) != v) {
                                    throw new AssertionError("torn slice " + t + " in read " + r);
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    err.compareAndSet(null, e);
                }
            });
            reader.start();
            go.countDown();
            for (Thread th : ts) {
                th.join();
            }
            reader.join();
            assertThat(err.get()).isNull();
            ByteBuffer b = ByteBuffer.allocate(PAGE);
            d.read(PAGE, b);
            for (int t = 0; t < threads; t++) {
                assertThat(b.get(t * slice)).as("slice %d holds its last write", t).isEqualTo((byte) (rounds * 7 + t));
                assertThat(b.get(t * slice + slice - 1)).isEqualTo((byte) (rounds * 7 + t));
            }
            assertThat(d.mmStat().origDataSize()).isEqualTo(PAGE);
        }
    }
}
