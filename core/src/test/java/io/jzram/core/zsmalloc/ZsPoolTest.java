// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ZsPoolTest {

    /** What the test believes about one live object. */
    record Obj(int size, long seed) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20261127})
    void randomSizesRoundTripThroughMapAndCopy(long seed) {
        Random rnd = new Random(seed);
        try (ZsPool pool = new ZsPool("t")) {
            ZsMapping m = new ZsMapping();
            Map<Long, Obj> live = new HashMap<>();
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 3000; i++) {
                    int size = 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 600);
                    long h = pool.malloc(size);
                    assertThat(h).isNotZero();
                    assertThat(live).doesNotContainKey(h);
                    assertThat(pool.capacity(h)).isGreaterThanOrEqualTo(size);
                    long s = rnd.nextLong();
                    if (rnd.nextBoolean()) {
                        Patterns.write(pool, m, h, size, s);
                    } else {
                        ByteBuffer src = rnd.nextBoolean() ? ByteBuffer.allocate(size + 7) : ByteBuffer.allocateDirect(size + 7);
                        Patterns.fill(src, 7, size, s);
                        pool.write(h, src, 7, size);
                    }
                    live.put(h, new Obj(size, s));
                }
                List<Long> handles = new ArrayList<>(live.keySet());
                for (long h : handles) {
                    if (rnd.nextInt(3) == 0) {
                        pool.free(h);
                        live.remove(h);
                    }
                }
                verifyAll(pool, m, live, rnd);
                assertThat(sumPages(pool)).isEqualTo(pool.totalPages());
            }
            for (long h : live.keySet()) {
                pool.free(h);
            }
            assertThat(pool.totalPages()).isZero();
        }
    }

    @Test
    void compactionMovesObjectsAndEveryHandleStillReadsItsBytes() {
        Random rnd = new Random(7);
        try (ZsPool pool = new ZsPool("t")) {
            ZsMapping m = new ZsMapping();
            Map<Long, Obj> live = new HashMap<>();
            List<Long> order = new ArrayList<>();
            for (int i = 0; i < 20000; i++) {
                int size = 100 + rnd.nextInt(3000);
                long h = pool.malloc(size);
                long s = rnd.nextLong();
                Patterns.write(pool, m, h, size, s);
                live.put(h, new Obj(size, s));
                order.add(h);
            }
            // free 3 of every 4 objects: every zspage keeps a few live objects, nothing empties out
            for (int i = 0; i < order.size(); i++) {
                if (i % 4 != 0) {
                    pool.free(order.get(i));
                    live.remove(order.get(i));
                }
            }
            Map<Long, Long> offsetsBefore = new HashMap<>();
            for (long h : live.keySet()) {
                pool.map(h, m);
                offsetsBefore.put(h, System.identityHashCode(m.buffer()) * 1_000_000_000L + m.offset());
                pool.unmap(m);
            }
            long before = pool.totalPages();
            long freeable = pool.classStats().stream().mapToLong(ZsClassStats::pagesFreeable).sum();
            assertThat(freeable).isPositive();

            long freed = pool.compact();

            assertThat(freed).isEqualTo(freeable);
            assertThat(pool.pagesCompacted()).isEqualTo(freed);
            assertThat(pool.totalPages()).isEqualTo(before - freed);
            assertThat(pool.classStats()).allSatisfy(c -> {
                assertThat(c.pagesFreeable()).isZero();
                assertThat(c.zspages()).isEqualTo((c.objsUsed() + c.objsPerZspage() - 1) / c.objsPerZspage());
            });
            int moved = 0;
            for (Map.Entry<Long, Obj> e : live.entrySet()) {
                assertThat(Patterns.verify(pool, m, e.getKey(), e.getValue().size(), e.getValue().seed()))
                        .as("handle %d after compaction", e.getKey()).isEqualTo(-1);
                pool.map(e.getKey(), m);
                long now = System.identityHashCode(m.buffer()) * 1_000_000_000L + m.offset();
                pool.unmap(m);
                if (now != offsetsBefore.get(e.getKey())) {
                    moved++;
                }
            }
            assertThat(moved).as("objects moved by compaction").isPositive();
            assertThat(pool.compact()).as("a second pass finds nothing").isZero();
            assertThat(pool.pagesCompacted()).isEqualTo(freed);
        }
    }

    @Test
    void aMappingOnTheFastPathHoldsCompactionOffAndOneTakenDuringCompactionLocksItsZspage() throws Exception {
        try (ZsPool pool = new ZsPool("t", 64, 0)) {
            int size = 200;
            List<Long> hs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                hs.add(pool.malloc(size));
            }
            ZsMapping w = new ZsMapping();
            for (long h : hs) {
                Patterns.write(pool, w, h, size, h);
            }
            for (int i = 0; i < hs.size(); i++) {
                if (i % 3 != 0) {
                    pool.free(hs.get(i));
                }
            }
            long kept = hs.get(3);
            ZsMapping m = new ZsMapping();
            pool.map(kept, m);
            assertThat(m.fastCell).as("no compaction runs: the fast path").isNotNegative();
            Thread compactor = new Thread(pool::compact, "compactor");
            compactor.start();
            compactor.join(200);
            assertThat(compactor.isAlive()).as("compaction waits for the mapping on the fast path").isTrue();
            // while the compaction waits, a new access takes the zspage lock instead
            ZsMapping slow = new ZsMapping();
            pool.map(hs.get(6), slow);
            assertThat(slow.fastCell).isEqualTo(-1);
            assertThat(slow.zspage.lockState()).isPositive();
            pool.unmap(slow);
            pool.unmap(m);
            compactor.join(10_000);
            assertThat(compactor.isAlive()).isFalse();
            assertThat(pool.pagesCompacted()).isPositive();
            for (int i = 0; i < hs.size(); i += 3) {
                assertThat(Patterns.verify(pool, w, hs.get(i), size, hs.get(i))).isEqualTo(-1);
            }
            pool.map(kept, m);
            assertThat(m.fastCell).as("after the compaction: the fast path again").isNotNegative();
            assertThat(m.zspage.lockState()).isZero();
            pool.unmap(m);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 99})
    void totalPagesFollowsTheModel(long seed) {
        Random rnd = new Random(seed);
        SizeClassTable t = SizeClassTable.kernelDefault();
        try (ZsPool pool = new ZsPool("t")) {
            Map<Long, Integer> live = new HashMap<>();
            // allocation only: every class is packed, the fullest zspage is always filled first
            for (int i = 0; i < 20000; i++) {
                int size = 1 + rnd.nextInt(4096);
                live.put(pool.malloc(size), size);
            }
            assertThat(pool.totalPages()).isEqualTo(packedPages(t, live));
            // random frees: pages are whatever the zspages hold; objects per class match
            List<Long> handles = new ArrayList<>(live.keySet());
            for (long h : handles) {
                if (rnd.nextInt(5) < 3) {
                    pool.free(h);
                    live.remove(h);
                }
            }
            assertThat(pool.totalPages()).isEqualTo(sumPages(pool));
            Map<Integer, Long> usedPerClass = new HashMap<>();
            for (int size : live.values()) {
                usedPerClass.merge(t.indexFor(size + 8), 1L, Long::sum);
            }
            for (ZsClassStats c : pool.classStats()) {
                assertThat(c.objsUsed()).as("class %d", c.size()).isEqualTo(usedPerClass.getOrDefault(c.index(), 0L));
            }
            // after compaction the pool is packed again
            pool.compact();
            assertThat(pool.totalPages()).isEqualTo(packedPages(t, live));
            assertThat(pool.totalPages() * 4096).isLessThanOrEqualTo(pool.reservedBytes());
        }
    }

    @Test
    void closeGivesBackEveryByteByPoolAndChronicleAccounting() {
        BackgroundResourceReleaser.releasePendingResources();
        long chronicleBefore = OS.memory().nativeMemoryUsed();
        ZsPool pool = new ZsPool("t", 64, 0); // 256 KiB chunks, no spare: empty chunks go back at once
        ZsMapping m = new ZsMapping();
        List<Long> handles = new ArrayList<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 8000; i++) {
            long h = pool.malloc(1 + rnd.nextInt(4096));
            Patterns.write(pool, m, h, 16, i);
            handles.add(h);
        }
        assertThat(pool.liveChunks()).isGreaterThan(10);
        assertThat(pool.reservedBytes()).isEqualTo((long) pool.liveChunks() * 64 * 4096);
        assertThat(OS.memory().nativeMemoryUsed() - chronicleBefore).isEqualTo(pool.reservedBytes());

        for (long h : handles) {
            pool.free(h);
        }
        BackgroundResourceReleaser.releasePendingResources();
        assertThat(pool.totalPages()).isZero();
        assertThat(pool.liveChunks()).as("empty chunks are given back").isZero();
        assertThat(pool.reservedBytes()).isZero();
        assertThat(OS.memory().nativeMemoryUsed() - chronicleBefore).isZero();

        // again with a spare chunk and live objects at close
        try (ZsPool spare = new ZsPool("t2")) {
            for (int i = 0; i < 5000; i++) {
                spare.malloc(3000);
            }
            assertThat(OS.memory().nativeMemoryUsed() - chronicleBefore).isEqualTo(spare.reservedBytes()).isPositive();
        }
        assertThat(OS.memory().nativeMemoryUsed() - chronicleBefore).as("Chronicle's native memory after close").isZero();
        pool.close();
        assertThat(pool.reservedBytes()).isZero();
        assertThatThrownBy(() -> pool.malloc(10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyChunksAreGivenBackExceptTheRetainedSpare() {
        try (ZsPool pool = new ZsPool("t", 64, 1)) {
            List<Long> handles = new ArrayList<>();
            for (int i = 0; i < 64 * 4; i++) {
                handles.add(pool.malloc(4000)); // one page each
            }
            assertThat(pool.liveChunks()).isEqualTo(4);
            for (long h : handles) {
                pool.free(h);
            }
            assertThat(pool.liveChunks()).isEqualTo(1);
            assertThat(pool.reservedBytes()).isEqualTo(64 * 4096);
            long h = pool.malloc(4000); // reuses the spare
            assertThat(pool.liveChunks()).isEqualTo(1);
            pool.free(h);
        }
    }

    @Test
    void rejectsBadSizesAndHandles() {
        try (ZsPool pool = new ZsPool("t")) {
            assertThatThrownBy(() -> pool.malloc(0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> pool.malloc(4097)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
            long h = pool.malloc(4096);
            assertThat(pool.capacity(h)).isEqualTo(4096);
            long small = pool.malloc(100);
            assertThat(pool.capacity(small)).isEqualTo(112 - 8);
            pool.free(h);
            assertThatThrownBy(() -> pool.free(h)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.map(h, new ZsMapping())).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.free(5)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.write(small, ByteBuffer.allocate(200), 0, 105))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void hotPathAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ZsPool pool = new ZsPool("t")) {
            ZsMapping m = new ZsMapping();
            ByteBuffer page = ByteBuffer.allocateDirect(4096);
            long[] keep = new long[1000];
            for (int i = 0; i < keep.length; i++) {
                keep[i] = pool.malloc(500 + i);
            }
            Runnable cycle = () -> {
                for (int i = 0; i < 20000; i++) {
                    long h = pool.malloc(1 + (i * 37) % 4096);
                    pool.map(h, m);
                    m.buffer().putLong(m.offset(), i);
                    pool.unmap(m);
                    pool.write(h, page, 0, 1);
                    pool.read(keep[i % keep.length], page, 0, 400);
                    pool.free(h);
                }
            };
            cycle.run(); // warm up: zspages, handle segments, JIT
            cycle.run();
            long before = mx.getCurrentThreadAllocatedBytes();
            cycle.run();
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated by 20000 malloc/map/write/read/free cycles").isLessThan(20000);
        }
    }

    static long packedPages(SizeClassTable t, Map<Long, Integer> live) {
        Map<Integer, Long> used = new HashMap<>();
        for (int size : live.values()) {
            used.merge(t.indexFor(size + 8), 1L, Long::sum);
        }
        long pages = 0;
        for (Map.Entry<Integer, Long> e : used.entrySet()) {
            int objs = t.objsPerZspage(e.getKey());
            pages += (e.getValue() + objs - 1) / objs * t.pagesPerZspage(e.getKey());
        }
        return pages;
    }

    static long sumPages(ZsPool pool) {
        return pool.classStats().stream().mapToLong(ZsClassStats::pages).sum();
    }

    private static void verifyAll(ZsPool pool, ZsMapping m, Map<Long, Obj> live, Random rnd) {
        ByteBuffer heap = ByteBuffer.allocate(4096);
        for (Map.Entry<Long, Obj> e : live.entrySet()) {
            Obj o = e.getValue();
            if (rnd.nextBoolean()) {
                assertThat(Patterns.verify(pool, m, e.getKey(), o.size(), o.seed())).as("handle %d", e.getKey()).isEqualTo(-1);
            } else {
                pool.read(e.getKey(), heap, 0, o.size());
                assertThat(Patterns.firstMismatch(heap, 0, o.size(), o.seed())).as("handle %d", e.getKey()).isEqualTo(-1);
            }
        }
    }
}
