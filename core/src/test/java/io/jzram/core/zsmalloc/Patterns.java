// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

import java.nio.ByteBuffer;

/** Deterministic object contents for pool tests: byte i of an object with seed s. */
final class Patterns {
    private Patterns() {
    }

    static byte at(long seed, int i) {
        long x = seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L;
        x ^= x >>> 29;
        return (byte) x;
    }

    static void fill(ByteBuffer buf, int off, int len, long seed) {
        for (int i = 0; i < len; i++) {
            buf.put(off + i, at(seed, i));
        }
    }

    /** Index of the first byte that differs, or -1. */
    static int firstMismatch(ByteBuffer buf, int off, int len, long seed) {
        for (int i = 0; i < len; i++) {
            if (buf.get(off + i) != at(seed, i)) {
                return i;
            }
        }
        return -1;
    }

    static void write(ZsPool pool, ZsMapping m, long handle, int len, long seed) {
        pool.map(handle, m);
        try {
            fill(m.buffer(), m.offset(), len, seed);
        } finally {
            pool.unmap(m);
        }
    }

    static int verify(ZsPool pool, ZsMapping m, long handle, int len, long seed) {
        pool.map(handle, m);
        try {
            return firstMismatch(m.buffer(), m.offset(), len, seed);
        } finally {
            pool.unmap(m);
        }
    }
}
