// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.jzram.core.zsmalloc.ZsClassStats;
import io.jzram.core.zsmalloc.ZsPool;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The pool's lock-free handle lookup vs compaction: a read (or write) of an object while
 * {@link ZsPool#compact()} moves it out of its zspage must see (or land in) the object's bytes,
 * wherever they are. Each state is a small pool with one size class laid out so that compaction
 * has exactly one object to move (the target, alone in its zspage) into a zspage with room.
 */
public final class ZsPoolCompactionTests {

    private ZsPoolCompactionTests() {
    }

    static final int SIZE = 200;

    /** A pool where compaction moves {@link #target} and frees its zspage. */
    abstract static class OneMovablePool {
        final ZsPool pool = new ZsPool("jcstress", 64, 0);
        final long target;
        final byte[] expected = new byte[SIZE];
        final int pagesPerZspage;

        OneMovablePool() {
            long first = pool.malloc(SIZE);
            ZsClassStats cls = classOf(pool, SIZE);
            int n = cls.objsPerZspage();
            pagesPerZspage = cls.pagesPerZspage();
            long[] handles = new long[2 * n];
            handles[0] = first;
            for (int i = 1; i < handles.length; i++) {
                handles[i] = pool.malloc(SIZE);
            }
            // zspage A holds handles[0..n), B handles[n..2n): keep one object in A, make room in B
            target = handles[n / 2];
            for (int i = 0; i < n; i++) {
                if (handles[i] != target) {
                    pool.free(handles[i]);
                }
            }
            pool.free(handles[n]);
            for (int i = 0; i < SIZE; i++) {
                expected[i] = (byte) (31 * i + 7);
            }
            pool.write(target, ByteBuffer.wrap(expected), 0, SIZE);
        }

        boolean holdsExpected() {
            ByteBuffer back = ByteBuffer.allocate(SIZE);
            pool.read(target, back, 0, SIZE);
            return Arrays.equals(back.array(), expected);
        }

        int compact() {
            long freed = pool.compact();
            return freed == 0 ? 0 : freed == pagesPerZspage ? 1 : 2;
        }

        static ZsClassStats classOf(ZsPool pool, int size) {
            for (ZsClassStats c : pool.classStats()) {
                if (c.objsUsed() > 0) {
                    return c;
                }
            }
            throw new IllegalStateException("no class holds the object of " + size + " bytes");
        }
    }

    @JCStressTest
    @Description("A read of the object races the compaction that moves it.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "right bytes; compaction moved the object (before or after the read)")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING, desc = "right bytes; compaction found the object mapped and left its zspage")
    @Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the read saw other bytes than the object's")
    @Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "compaction freed more than the one zspage")
    @State
    public static class ReadVsCompact extends OneMovablePool {
        @Actor
        public void reader(II_Result r) {
            r.r1 = holdsExpected() ? 1 : 0;
        }

        @Actor
        public void compactor(II_Result r) {
            r.r2 = compact();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            if (!holdsExpected()) {
                r.r1 = 0;
            }
            pool.close();
        }
    }

    @JCStressTest
    @Description("A write into the object races the compaction that moves it: the object holds the write after both.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the write is in the object; compaction moved it")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING, desc = "the write is in the object; compaction found it mapped and left it")
    @Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the write was lost (it went to the old place) or corrupted the object")
    @Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "compaction freed more than the one zspage")
    @State
    public static class WriteVsCompact extends OneMovablePool {
        private final byte[] update = new byte[SIZE];

        public WriteVsCompact() {
            for (int i = 0; i < SIZE; i++) {
                update[i] = (byte) (17 * i + 3);
            }
        }

        @Actor
        public void writer() {
            pool.write(target, ByteBuffer.wrap(update), 0, SIZE);
        }

        @Actor
        public void compactor(II_Result r) {
            r.r2 = compact();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            ByteBuffer back = ByteBuffer.allocate(SIZE);
            pool.read(target, back, 0, SIZE);
            r.r1 = Arrays.equals(back.array(), update) ? 1 : 0;
            pool.close();
        }
    }
}
