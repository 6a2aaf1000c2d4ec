// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Generated page contents of the kinds zram sees, seeded. */
enum PageGen {
    ZERO, SAME_FILLED, TEXT, RANDOM, HALF_RANDOM, STRUCTS;

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
            + "which but have an they you were her she there been one all we their has would when if so no will more can "
            + "kernel page zram memory compress stream handle class zspage object slot swap").split(" ");

    /** {@code len} bytes of this kind. */
    byte[] bytes(SplittableRandom rnd, int len) {
        byte[] b = new byte[len];
        switch (this) {
            case ZERO -> {
            }
            case SAME_FILLED -> {
                long word = rnd.nextLong();
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
                for (int i = 0; i + 8 <= len; i += 8) {
                    bb.putLong(i, word);
                }
            }
            case TEXT -> {
                StringBuilder sb = new StringBuilder(len + 32);
                while (sb.length() < len) {
                    sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(rnd.nextInt(12) == 0 ? ".\n" : " ");
                }
                System.arraycopy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, b, 0, len);
            }
            case RANDOM -> rnd.nextBytes(b);
            case HALF_RANDOM -> {
                rnd.nextBytes(b);
                for (int i = 0; i < len; i += 2) {
                    b[i] = 0;
                }
            }
            case STRUCTS -> {
                ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                long base = 0x7f00_0000_0000L + ((long) rnd.nextInt(1 << 20) << 12);
                for (int i = 0; i + 32 <= len; i += 32) {
                    le.putLong(i, base + rnd.nextInt(1 << 16) * 16L);
                    le.putLong(i + 8, rnd.nextInt(1000));
                    le.putInt(i + 16, 0xCAFE);
                    le.putInt(i + 20, rnd.nextInt(3));
                }
            }
            default -> throw new AssertionError(this);
        }
        return b;
    }

    static PageGen pick(SplittableRandom rnd) {
        PageGen[] v = values();
        return v[rnd.nextInt(v.length)];
    }
}
