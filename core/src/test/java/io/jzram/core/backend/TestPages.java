// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Generated 4 KiB pages of the kinds zram sees. */
enum TestPages {
    ZERO, SAME_FILLED, TEXT, RANDOM, HALF_RANDOM, STRUCTS;

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
            + "which but have an they you were her she there been one all we their has would when if so no will more can "
            + "kernel page zram memory compress stream handle class zspage object slot swap").split(" ");

    /** Fills {@code buf[off .. off+4096)}. */
    void fill(ByteBuffer buf, int off, long seed) {
        Random rnd = new Random(seed);
        switch (this) {
            case ZERO -> {
                for (int i = 0; i < 4096; i++) {
                    buf.put(off + i, (byte) 0);
                }
            }
            case SAME_FILLED -> {
                long word = rnd.nextLong();
                for (int i = 0; i < 4096; i += 8) {
                    buf.order(ByteOrder.LITTLE_ENDIAN).putLong(off + i, word);
                }
            }
            case TEXT -> {
                StringBuilder sb = new StringBuilder(4200);
                while (sb.length() < 4096) {
                    sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(12) == 0 ? ".\n" : " ");
                }
                byte[] b = sb.substring(0, 4096).getBytes(StandardCharsets.US_ASCII);
                buf.put(off, b);
            }
            case RANDOM -> {
                byte[] b = new byte[4096];
                rnd.nextBytes(b);
                buf.put(off, b);
            }
            case HALF_RANDOM -> {
                byte[] b = new byte[4096];
                rnd.nextBytes(b);
                for (int i = 0; i < 4096; i += 2) {
                    b[i] = 0;
                }
                buf.put(off, b);
            }
            case STRUCTS -> {
                ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                long base = 0x7f00_0000_0000L + (rnd.nextInt(1 << 20) << 12);
                for (int i = 0; i < 4096; i += 32) {
                    le.putLong(off + i, base + rnd.nextInt(1 << 16) * 16L);
                    le.putLong(off + i + 8, rnd.nextInt(1000));
                    le.putInt(off + i + 16, 0xCAFE);
                    le.putInt(off + i + 20, rnd.nextInt(3));
                    le.putLong(off + i + 24, 0);
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    static boolean equal(ByteBuffer a, int aOff, ByteBuffer b, int bOff) {
        return a.slice(aOff, 4096).equals(b.slice(bOff, 4096));
    }
}
