// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A striped usage count with a kill switch: the block layer's {@code q_usage_counter}
 * ({@code percpu_ref}, lib/percpu-refcount.c) that {@code blk_queue_enter()} takes for every bio
 * and that a queue freeze kills and drains. zram's I/O path enters it per request; teardown kills
 * it and waits until every request that got in has left, so the memory under the request is never
 * freed while it runs.
 *
 * <p>Counts live in padded cells picked by the calling thread (one cache line each, no sharing
 * between threads that hash apart); {@link #tryGet} adds one to the caller's cell and backs out if
 * the ref is dead, {@link #put} subtracts one from the same cell. {@link #kill} then {@link #drain}:
 * once the dead flag is visible no new get succeeds (both sides are volatile, Dekker style: either
 * the getter sees the flag or the killer sees its count), and the sum of the cells falls to zero
 * when the last user leaves. The sum is also the number of requests in flight.
 *
 * <p>Thread-safe; lock-free on the get/put path.
 */
final class PercpuRef {
    private static final int CELLS = 64;
    /** 16 longs = 128 bytes between cells (adjacent-line prefetch included). */
    private static final int STRIDE = 16;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] cells = new long[CELLS * STRIDE + STRIDE];
    private volatile boolean dead;

    /** The caller's cell: a hash of its thread id, stable for the thread's life. */
    @SuppressWarnings("deprecation")
    static int cellOf(Thread t) {
        long id = t.getId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 58) * STRIDE + STRIDE;
    }

    /** percpu_ref_tryget_live(): false once killed. */
    boolean tryGet() {
        int c = cellOf(Thread.currentThread());
        CELL.getAndAdd(cells, c, 1L);
        if (dead) {
            CELL.getAndAdd(cells, c, -1L);
            return false;
        }
        return true;
    }

    /** percpu_ref_put(): from the thread that got the reference. */
    void put() {
        CELL.getAndAdd(cells, cellOf(Thread.currentThread()), -1L);
    }

    /** percpu_ref_kill(): no new reference can be taken from now on. */
    void kill() {
        dead = true;
    }

    boolean isDead() {
        return dead;
    }

    /** References held now (requests in flight). */
    long sum() {
        long s = 0;
        for (int i = STRIDE; i < cells.length; i += STRIDE) {
            s += (long) CELL.getVolatile(cells, i);
        }
        return s;
    }

    /** Waits until every holder has put its reference (after {@link #kill}). */
    void drain() {
        long waited = 0;
        while (sum() != 0) {
            if (waited < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
            waited++;
        }
    }
}
