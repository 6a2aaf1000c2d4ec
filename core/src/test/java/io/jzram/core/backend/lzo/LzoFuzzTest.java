// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes the LZO1X decompressor with any bytes as a compressed page (both bitstream versions: a
 * stream that starts with 17 and a non-zero version byte is lzo-rle's) and the compressor with any
 * bytes as a page. Must hold:
 *
 * <ul>
 *   <li>decompression returns a length within the output window or one of the kernel's
 *       {@link LzoStatus} codes (the backend turns those into a failed read, EIO); no exception;</li>
 *   <li>it reads and writes nothing outside its windows: the input and output windows sit inside
 *       larger arrays whose guard bytes must come out unchanged;</li>
 *   <li>what either compressor (lzo, lzo-rle) makes of the input decompresses to the input, and the
 *       compressed length stays within {@link Lzo1xCompressor#worstCase}.</li>
 * </ul>
 *
 * Regression mode (the default, {@code JAZZER_FUZZ} unset) runs the committed seeds of
 * {@code LzoFuzzTestInputs/}; fuzzing mode: {@code JAZZER_FUZZ=1 mvn -pl core -am test
 * -Dtest=LzoFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=5m
 * -Djunit.jupiter.execution.timeout.mode=disabled} (see docs/fuzzing.md).
 */
class LzoFuzzTest {
    private static final int PAGE = 4096;
    private static final int GUARD = 64;
    private static final byte CANARY = (byte) 0xA5;

    private final Lzo1xDecompressor decompressor = new Lzo1xDecompressor();
    private final Lzo1xCompressor lzo = new Lzo1xCompressor(false);
    private final Lzo1xCompressor lzoRle = new Lzo1xCompressor(true);

    @FuzzTest(maxDuration = "5m")
    void decompress(byte[] stream) {
        byte[] in = guarded(stream);
        byte[] out = new byte[GUARD + PAGE + GUARD];
        Arrays.fill(out, CANARY);
        int n = decompressor.decompress(in, GUARD, stream.length, out, GUARD, PAGE);
        if (n > PAGE || (n < 0 && LzoStatus.name(n).startsWith("LZO error"))) {
            throw new AssertionError("decompress returned " + n + " (" + LzoStatus.name(n) + ")");
        }
        checkGuards(out, PAGE, "output");
        checkGuards(in, stream.length, "input");
        if (!Arrays.equals(in, GUARD, GUARD + stream.length, stream, 0, stream.length)) {
            throw new AssertionError("the input window changed");
        }
        roundTrip(lzo, stream);
        roundTrip(lzoRle, stream);
    }

    private void roundTrip(Lzo1xCompressor c, byte[] data) {
        int len = Math.min(data.length, PAGE);
        byte[] dst = new byte[Lzo1xCompressor.worstCase(len)];
        int clen = c.compress(data, 0, len, dst, 0, dst.length);
        if (clen < 0 || clen > dst.length) {
            throw new AssertionError((c.rle() ? "lzo-rle" : "lzo") + " compress returned " + clen + " for " + len + " bytes");
        }
        byte[] back = new byte[PAGE];
        int n = decompressor.decompress(dst, 0, clen, back, 0, PAGE);
        if (n != len || !Arrays.equals(back, 0, len, data, 0, len)) {
            throw new AssertionError((c.rle() ? "lzo-rle" : "lzo") + " round trip of " + len + " bytes gave " + n + " ("
                    + LzoStatus.name(n) + ")");
        }
    }

    private static byte[] guarded(byte[] window) {
        byte[] a = new byte[GUARD + window.length + GUARD];
        Arrays.fill(a, CANARY);
        System.arraycopy(window, 0, a, GUARD, window.length);
        return a;
    }

    private static void checkGuards(byte[] a, int window, String what) {
        for (int i = 0; i < GUARD; i++) {
            if (a[i] != CANARY || a[GUARD + window + i] != CANARY) {
                throw new AssertionError("the decompressor wrote outside its " + what + " window");
            }
        }
    }
}
