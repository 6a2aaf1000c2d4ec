// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

/**
 * The contents of a page the storm writes, a pure function of (device seed, page, version), so a
 * writer only remembers a version per page and anyone can regenerate what it must read back. The
 * kinds cover zram's paths: zero pages and same-filled pages (no allocation), compressible text,
 * and random bytes (incompressible: stored raw as huge pages).
 */
final class PageData {

    static final int PAGE = 4096;

    private PageData() {
    }

    /** Fills {@code page[0..4096)} with the contents of version {@code version} of page {@code index}. */
    static void fill(byte[] page, long deviceSeed, long index, long version) {
        long x = mix(deviceSeed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + version);
        int kind = (int) ((x >>> 59) & 7);
        switch (kind) {
            case 0 -> java.util.Arrays.fill(page, 0, PAGE, (byte) 0);
            case 1 -> {
                long w = x | 1;
                for (int i = 0; i < PAGE; i += 8) {
                    putLong(page, i, w);
                }
            }
            case 2, 3 -> {
                long s = x;
                for (int i = 0; i < PAGE; i += 8) {
                    s = next(s);
                    putLong(page, i, s);
                }
            }
            default -> {
                // compressible: a 64-byte pattern, a few random bytes sprinkled in
                long s = x;
                for (int i = 0; i < PAGE; i++) {
                    page[i] = (byte) ('a' + ((i + kind) % 23));
                }
                for (int i = 0; i < 48; i++) {
                    s = next(s);
                    page[(int) ((s >>> 1) % PAGE)] = (byte) s;
                }
                putLong(page, 0, version);
                putLong(page, 8, index);
            }
        }
    }

    private static long next(long s) {
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        return s;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (i * 8));
        }
    }

    /** Whether {@code page} is all zeros. */
    static boolean isZero(byte[] page) {
        for (int i = 0; i < PAGE; i++) {
            if (page[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
