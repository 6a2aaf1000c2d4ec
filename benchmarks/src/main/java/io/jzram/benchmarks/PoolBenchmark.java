// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.ZramDevice;
import io.jzram.core.backend.RawCodec;
import io.jzram.core.zsmalloc.ZsPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The zsmalloc-style pool alone ({@link ZsPool}): each operation frees the oldest of a thread's
 * {@code live} objects and allocates a new one ({@code allocFree}), or does the same and copies
 * the object's bytes in ({@code allocWriteFree}, what a device write does in the pool). The sizes
 * are the lz4-compressed lengths of the page source's pages (pages that zram stores raw count
 * 4,096), so the size classes see the traffic a device sees. The pool is shared by all threads
 * ({@code -t N}): size classes lock separately.
 */
public class PoolBenchmark extends JmhShortIterations {
    static final int PAGE = PageSource.PAGE;

    /** The pool and the size sequence. */
    @State(Scope.Benchmark)
    public static class Pool {
        @Param({"mix"})
        public String pages;

        @Param({"2048"})
        public int count;

        ZsPool pool;
        int[] sizes;
        ByteBuffer bytes;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            bytes = PageSource.load(pages, count, 4, 42);
            sizes = new int[count];
            ByteBuffer out = ByteBuffer.allocateDirect(2 * PAGE);
            try (RawCodec c = RawCodec.of("lz4")) {
                for (int i = 0; i < count; i++) {
                    int n = c.compress(bytes, i * PAGE, out, 0, 2 * PAGE);
                    sizes[i] = n >= ZramDevice.hugeClassSize() ? PAGE : n;
                }
            }
            pool = new ZsPool("bench");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.close();
        }
    }

    /** One thread's live objects (freed with the pool, which JMH closes first). */
    @State(Scope.Thread)
    public static class Live {
        @Param({"4096"})
        public int live;

        long[] handles;
        int next;
        int size;

        @Setup(Level.Trial)
        public void setup(Pool p, ThreadParams tp) {
            handles = new long[live];
            next = tp.getThreadIndex() * 4099;
            for (int i = 0; i < live; i++) {
                handles[i] = p.pool.malloc(p.sizes[(next + i) % p.count]);
            }
        }
    }

    @Benchmark
    public long allocFree(Pool p, Live l) {
        int k = l.next++ % l.live;
        p.pool.free(l.handles[k]);
        long h = p.pool.malloc(p.sizes[l.next % p.count]);
        l.handles[k] = h;
        return h;
    }

    @Benchmark
    public long allocWriteFree(Pool p, Live l) {
        int k = l.next++ % l.live;
        p.pool.free(l.handles[k]);
        int i = l.next % p.count;
        int size = p.sizes[i];
        long h = p.pool.malloc(size);
        p.pool.write(h, p.bytes, i * PAGE, size);
        l.handles[k] = h;
        return h;
    }
}
