// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several threads allocate, write, read and free their own objects and read a shared set of
 * objects, while another thread compacts the pool over and over. Bounded by time and op count.
 */
@Timeout(60)
class ZsPoolConcurrencyTest {
    private static final int WORKERS = 3;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(2500);
    private static final int MAX_OPS_PER_WORKER = 2_000_000;

    @Test
    void allocFreeAndReadsRaceACompactorWithoutLosingAByte() throws Exception {
        try (ZsPool pool = new ZsPool("storm", 128, 1)) {
            // shared objects, never freed: every thread reads them while the compactor moves them
            int sharedCount = 4000;
            long[] shared = new long[sharedCount];
            int[] sharedSize = new int[sharedCount];
            ZsMapping setup = new ZsMapping();
            Random r0 = new Random(5);
            for (int i = 0; i < sharedCount; i++) {
                sharedSize[i] = 1 + r0.nextInt(3000);
                shared[i] = pool.malloc(sharedSize[i]);
                Patterns.write(pool, setup, shared[i], sharedSize[i], shared[i] ^ 0x5A5A);
            }
            // fragment the classes the shared objects live in
            List<Long> filler = new ArrayList<>();
            for (int i = 0; i < 20000; i++) {
                filler.add(pool.malloc(1 + r0.nextInt(3000)));
            }
            for (long h : filler) {
                pool.free(h);
            }

            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicLong allocs = new AtomicLong();
            AtomicLong frees = new AtomicLong();
            AtomicLong reads = new AtomicLong();
            AtomicLong sharedReads = new AtomicLong();
            AtomicLong compactions = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            long deadline = System.nanoTime() + RUN_NANOS;

            for (int w = 0; w < WORKERS; w++) {
                final long seed = 100 + w;
                Thread t = new Thread(() -> {
                    Random rnd = new Random(seed);
                    ZsMapping m = new ZsMapping();
                    ByteBuffer copy = ByteBuffer.allocateDirect(4096);
                    long[] handles = new long[3000];
                    int[] sizes = new int[handles.length];
                    int n = 0;
                    try {
                        start.await();
                        for (int op = 0; op < MAX_OPS_PER_WORKER && !stop.get(); op++) {
                            if ((op & 255) == 0 && System.nanoTime() > deadline) {
                                break;
                            }
                            int kind = rnd.nextInt(10);
                            if (kind < 3 && n < handles.length) {
                                int size = 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 800);
                                long h = pool.malloc(size);
                                Patterns.write(pool, m, h, size, h * 31 + size);
                                handles[n] = h;
                                sizes[n++] = size;
                                allocs.incrementAndGet();
                            } else if (kind < 6 && n > 0) {
                                int i = rnd.nextInt(n);
                                check(pool, m, handles[i], sizes[i], handles[i] * 31 + sizes[i]);
                                pool.free(handles[i]);
                                handles[i] = handles[--n];
                                sizes[i] = sizes[n];
                                frees.incrementAndGet();
                            } else if (kind < 8 && n > 0) {
                                int i = rnd.nextInt(n);
                                if (rnd.nextBoolean()) {
                                    check(pool, m, handles[i], sizes[i], handles[i] * 31 + sizes[i]);
                                } else {
                                    pool.read(handles[i], copy, 0, sizes[i]);
                                    int bad = Patterns.firstMismatch(copy, 0, sizes[i], handles[i] * 31 + sizes[i]);
                                    if (bad >= 0) {
                                        throw new AssertionError("copy of handle " + handles[i] + " differs at " + bad);
                                    }
                                }
                                reads.incrementAndGet();
                            } else {
                                int i = rnd.nextInt(sharedCount);
                                check(pool, m, shared[i], sharedSize[i], shared[i] ^ 0x5A5A);
                                sharedReads.incrementAndGet();
                            }
                        }
                        for (int i = 0; i < n; i++) {
                            check(pool, m, handles[i], sizes[i], handles[i] * 31 + sizes[i]);
                            pool.free(handles[i]);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "zs-worker-" + w);
                threads.add(t);
            }
            Thread compactor = new Thread(() -> {
                try {
                    start.await();
                    while (!stop.get() && System.nanoTime() < deadline) {
                        pool.compact();
                        compactions.incrementAndGet();
                        Thread.sleep(1);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "zs-compactor");
            threads.forEach(Thread::start);
            compactor.start();
            start.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            stop.set(true);
            compactor.join(TimeUnit.SECONDS.toMillis(30));

            System.out.printf("zsmalloc storm: allocs=%d frees=%d reads=%d sharedReads=%d compactions=%d pagesCompacted=%d%n",
                    allocs.get(), frees.get(), reads.get(), sharedReads.get(), compactions.get(), pool.pagesCompacted());
            assertThat(failures).isEmpty();
            assertThat(threads).noneMatch(Thread::isAlive);
            assertThat(allocs.get()).isPositive();
            assertThat(frees.get()).isPositive();
            assertThat(compactions.get()).isPositive();
            assertThat(pool.pagesCompacted()).as("the compactor freed pages").isPositive();

            ZsMapping m = new ZsMapping();
            for (int i = 0; i < sharedCount; i++) {
                check(pool, m, shared[i], sharedSize[i], shared[i] ^ 0x5A5A);
                pool.free(shared[i]);
            }
            assertThat(pool.totalPages()).isZero();
            assertThat(pool.classStats()).allSatisfy(c -> assertThat(c.objsUsed()).isZero());
        }
    }

    private static void check(ZsPool pool, ZsMapping m, long h, int size, long seed) {
        int bad = Patterns.verify(pool, m, h, size, seed);
        if (bad >= 0) {
            throw new AssertionError("handle " + h + " (" + size + " bytes) differs at byte " + bad);
        }
    }
}
