// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The pages {@code jzram bench} writes when it is given no {@code --input}: a fixed mix of the kinds
 * zram treats differently, drawn page by page from a seeded generator, so two runs with the same
 * seed and size write the same bytes. Of every 20 pages, on average: 2 zero pages and 2
 * same-filled pages (one repeated 8-byte word: stored without compression), 12 text-like pages
 * (words of a small vocabulary with spaces and newlines, about 3:1 with lz4) and 4 random pages
 * (incompressible: stored raw, as huge pages).
 */
final class GeneratedPages {

    private static final int PAGE = CorpusBench.PAGE;
    private static final String[] WORDS = ("the of and to in is that for it as with was on be by at this from or an are "
            + "page zram memory compress device block kernel slot handle stream write read swap free pool size class "
            + "object zsmalloc module sysfs store show reset disksize mutex lock cpu hotplug callback state instance "
            + "0 1 2 4 8 16 32 64 128 256 512 1024 4096 error return value struct static void int unsigned long")
            .split(" ");

    private GeneratedPages() {
    }

    /** {@code bytes} (rounded down to whole pages, at least one) of generated pages in a direct buffer. */
    static ByteBuffer generate(long bytes, long seed) {
        long pages = Math.max(1, bytes / PAGE);
        if (pages * PAGE > Integer.MAX_VALUE - PAGE) {
            throw new IllegalArgumentException("--size is too big for one run (at most 2 GiB)");
        }
        ByteBuffer all = ByteBuffer.allocateDirect((int) (pages * PAGE));
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] page = new byte[PAGE];
        for (long p = 0; p < pages; p++) {
            fill(page, rnd);
            all.put(page);
        }
        return all.clear();
    }

    private static void fill(byte[] page, SplittableRandom rnd) {
        int kind = rnd.nextInt(20);
        if (kind < 2) {
            java.util.Arrays.fill(page, (byte) 0);
        } else if (kind < 4) {
            long word = rnd.nextLong() | 1;
            for (int i = 0; i < PAGE; i++) {
                page[i] = (byte) (word >>> ((i & 7) * 8));
            }
        } else if (kind < 16) {
            int i = 0;
            while (i < PAGE) {
                String w = WORDS[rnd.nextInt(WORDS.length)];
                for (int k = 0; k < w.length() && i < PAGE; k++) {
                    page[i++] = (byte) w.charAt(k);
                }
                if (i < PAGE) {
                    page[i++] = (byte) (rnd.nextInt(12) == 0 ? '\n' : ' ');
                }
            }
        } else {
            rnd.nextBytes(page);
        }
    }
}
