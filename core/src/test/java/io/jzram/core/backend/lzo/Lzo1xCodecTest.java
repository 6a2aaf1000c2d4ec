// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend.lzo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LZO1X codec on byte arrays, any length: streams worked out by hand from the format and the
 * kernel's algorithm (lib/lzo/lzo1x_compress.c; Documentation/staging/lzo.rst), round trips of
 * lengths 0..300 and of inputs that span several 48 KiB chunks, lzo-rle's cut of the M4 lengths
 * that would read as a zero run, and the output-room checks.
 */
@Timeout(120)
class Lzo1xCodecTest {
    private static final byte[] END = {0x11, 0, 0};

    private static byte[] compress(boolean rle, byte[] in) {
        byte[] out = new byte[Lzo1xCompressor.worstCase(in.length)];
        int n = new Lzo1xCompressor(rle).compress(in, 0, in.length, out, 0, out.length);
        assertThat(n).as("compressed length").isPositive();
        return Arrays.copyOf(out, n);
    }

    private static byte[] decompress(byte[] stream, int expectedLength) {
        byte[] out = new byte[expectedLength];
        int n = new Lzo1xDecompressor().decompress(stream, 0, stream.length, out, 0, out.length);
        assertThat(n).as("decompress: %s", LzoStatus.name(n)).isEqualTo(expectedLength);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void emptyAndTinyInputsAreOneLiteralRunAndTheEndMarker() {
        assertThat(compress(false, new byte[0])).containsExactly(END);
        assertThat(compress(true, new byte[0])).containsExactly(concat(bytes(17, 1), END));
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(compress(false, abc)).containsExactly(concat(bytes(17 + 3), abc, END));
        assertThat(compress(true, abc)).containsExactly(concat(bytes(17, 1, 17 + 3), abc, END));
        // 20 bytes and fewer are never searched for matches
        byte[] twenty = new byte[20];
        assertThat(compress(false, twenty)).containsExactly(concat(bytes(17 + 20), twenty, END));
        // an empty lzo-rle stream is 5 bytes: its 17 is read as the version header
        assertThat(decompress(concat(bytes(17, 1), END), 0)).isEmpty();
        assertThat(decompress(END, 0)).isEmpty();
    }

    /**
     * A zero page, worked out by hand. lzo: the scan starts at 5 (4, plus the first skip); the
     * zeroed dictionary points every slot at 0, so position 5 matches position 0, and the match
     * runs until the word compared reaches 4096 - 20: 5 literals, an M3 of 4076 bytes at distance 5
     * (length 33 + 15 * 255 + 218), then the last 15 bytes as literals.
     */
    @Test
    void aZeroPageAsLzo() {
        byte[] expected = concat(bytes(5 - 3), new byte[5],
                bytes(0x20), new byte[15], bytes(218), bytes(4 << 2, 0),
                bytes(15 - 3), new byte[15], END);
        assertThat(expected).hasSize(44);
        assertThat(compress(false, new byte[4096])).containsExactly(expected);
        assertThat(decompress(expected, 4096)).isEqualTo(new byte[4096]);
    }

    /**
     * A zero page as lzo-rle: 5 literals, then zero runs (never past 4096 - 20): 2051 bytes (the
     * longest, stored as 2047: 0x18|7, 0xfc, 0xff, 2047>>3) and 2020 (2016: 0x18, 0xfc, 0xff, 252),
     * then 20 literals (0, 20 - 18).
     */
    @Test
    void aZeroPageAsLzoRle() {
        byte[] expected = concat(bytes(17, 1), bytes(5 - 3), new byte[5],
                bytes(0x1f, 0xfc, 0xff, 0xff), bytes(0x18, 0xfc, 0xff, 252),
                bytes(0, 20 - 18), new byte[20], END);
        assertThat(expected).hasSize(41);
        assertThat(compress(true, new byte[4096])).containsExactly(expected);
        assertThat(decompress(expected, 4096)).isEqualTo(new byte[4096]);
    }

    static byte[] sample(SplittableRandom r, int len) {
        byte[] b = new byte[len];
        int i = 0;
        while (i < len) {
            int run = Math.min(len - i, 1 + r.nextInt(r.nextBoolean() ? 40 : 3000));
            switch (r.nextInt(5)) {
                case 0 -> { } // zeros
                case 1 -> {
                    for (int k = 0; k < run; k++) {
                        b[i + k] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> {
                    byte[] word = ("zram page " + r.nextInt(50) + " ").getBytes(StandardCharsets.US_ASCII);
                    for (int k = 0; k < run; k++) {
                        b[i + k] = word[k % word.length];
                    }
                }
                case 3 -> {
                    if (i > 0) { // a copy of something earlier, possibly overlapping
                        int from = r.nextInt(i);
                        for (int k = 0; k < run; k++) {
                            b[i + k] = b[from + k];
                        }
                    }
                }
                default -> {
                    int v = r.nextInt(256);
                    for (int k = 0; k < run; k++) {
                        b[i + k] = (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : v);
                    }
                }
            }
            i += run;
        }
        return b;
    }

    @ParameterizedTest(name = "rle={0}")
    @ValueSource(booleans = {false, true})
    void everyLengthUpTo300RoundTrips(boolean rle) {
        SplittableRandom r = new SplittableRandom(300);
        for (int len = 0; len <= 300; len++) {
            for (int k = 0; k < 4; k++) {
                byte[] in = sample(r, len);
                byte[] stream = compress(rle, in);
                assertThat(stream.length).isLessThanOrEqualTo(Lzo1xCompressor.worstCase(len));
                assertThat(decompress(stream, len)).as("length %d", len).isEqualTo(in);
            }
        }
    }

    /** Inputs past one chunk (48 KiB, less one for lzo-rle): fresh dictionaries, literals carried over. */
    @ParameterizedTest(name = "rle={0}")
    @ValueSource(booleans = {false, true})
    void largeInputsSpanningChunksRoundTrip(boolean rle) {
        SplittableRandom r = new SplittableRandom(49_152);
        int[] lengths = {49_150, 49_151, 49_152, 49_153, 49_172, 98_302, 98_304, 131_072, 300_001};
        for (int len : lengths) {
            byte[] in = sample(r, len);
            assertThat(decompress(compress(rle, in), len)).as("length %d", len).isEqualTo(in);
        }
        // random across a chunk boundary, so literals are pending when the chunk ends
        byte[] in = new byte[49_151 * 2 + 100];
        for (int i = 40_000; i < 60_000; i++) {
            in[i] = (byte) r.nextInt(256);
        }
        assertThat(decompress(compress(rle, in), in.length)).isEqualTo(in);
    }

    /**
     * lzo-rle reads an M4 instruction {@code 0x18}, a length byte 252..255 and a distance byte
     * 0xff (distance bits 0x3f and 3 trailing literals) as a zero run, so the kernel's compressor
     * cuts such matches of 261..264 bytes at distance bit pattern 0x403f (above 16 KiB) to 260.
     * Built here: a block of 262 random bytes, and again 0x803f bytes later (zeros between, which
     * lzo-rle codes as runs that leave the dictionary alone), followed by 3 other bytes and then
     * the block's start again (which the dictionary has from the second block), so the long match
     * has exactly 3 trailing literals.
     */
    @Test
    void lzoRleCutsTheM4LengthsThatWouldReadAsAZeroRun() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] text = "The quick brown fox jumps over the lazy dog, again and again. ".getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[262];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (1 + r.nextInt(255));
        }
        int dist = 0x803f;
        byte[] in = new byte[2 * text.length + dist + block.length + 3 + 40 + 64];
        System.arraycopy(text, 0, in, 0, text.length);
        System.arraycopy(text, 0, in, text.length, text.length);
        int first = 2 * text.length;
        System.arraycopy(block, 0, in, first, block.length);
        int second = first + dist;
        System.arraycopy(block, 0, in, second, block.length);
        int after = second + block.length;
        in[after] = (byte) 0xa1;
        in[after + 1] = (byte) 0xb2;
        in[after + 2] = (byte) 0xc3;
        System.arraycopy(block, 0, in, after + 3, 40);
        for (int i = after + 3 + 40; i < in.length; i++) {
            in[i] = (byte) (1 + r.nextInt(255));
        }

        // plain LZO1X keeps the 262-byte match: M4 0x18, length 262 - 9, distance bytes 0xfc|3, 0x00
        byte[] lzo = compress(false, in);
        assertThat(indexOf(lzo, bytes(0x18, 262 - 9, 0xff, 0x00))).as("the ambiguous M4 in the lzo stream").isNotNegative();
        assertThat(decompress(lzo, in.length)).isEqualTo(in);

        // lzo-rle writes 260 bytes instead (then 2 + 3 literals, so no trailing-literal bits)
        byte[] rle = compress(true, in);
        assertThat(indexOf(rle, bytes(0x18, 260 - 9, 0xfc, 0x00))).as("the cut M4 in the lzo-rle stream").isNotNegative();
        assertThat(decompress(rle, in.length)).isEqualTo(in);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Too little room fails with LZO_E_OUTPUT_OVERRUN exactly where the kernel's HAVE_OP checks
     * fail: once enough, every larger room gives the same bytes; nothing is written outside the
     * room given.
     */
    @ParameterizedTest(name = "rle={0}")
    @ValueSource(booleans = {false, true})
    void outputRoomIsCheckedAndNeverExceeded(boolean rle) {
        SplittableRandom r = new SplittableRandom(11);
        Lzo1xCompressor c = new Lzo1xCompressor(rle);
        for (int k = 0; k < 12; k++) {
            byte[] in = sample(r, 100 + r.nextInt(4000));
            byte[] full = compress(rle, in);
            int firstFit = -1;
            for (int room = 0; room <= full.length + 24; room++) {
                byte[] out = new byte[room + 64];
                Arrays.fill(out, (byte) 0x5a);
                int n = c.compress(in, 0, in.length, out, 32, room);
                for (int g = 0; g < 32; g++) {
                    assertThat(out[g]).isEqualTo((byte) 0x5a);
                    assertThat(out[32 + room + g]).isEqualTo((byte) 0x5a);
                }
                if (n >= 0) {
                    assertThat(Arrays.copyOfRange(out, 32, 32 + n)).isEqualTo(full);
                    if (firstFit < 0) {
                        firstFit = room;
                    }
                } else {
                    assertThat(n).isEqualTo(LzoStatus.LZO_E_OUTPUT_OVERRUN);
                    assertThat(firstFit).as("a larger room failed after a smaller one fit").isNegative();
                }
            }
            assertThat(firstFit).isBetween(full.length, full.length + 17);
        }
    }

    @Test
    void theDecoderReadsBothVersionsWhicheverCompressorWrote() {
        SplittableRandom r = new SplittableRandom(5);
        Lzo1xDecompressor d = new Lzo1xDecompressor();
        for (int k = 0; k < 200; k++) {
            byte[] in = sample(r, 4096);
            for (boolean rle : new boolean[] {false, true}) {
                byte[] s = compress(rle, in);
                assertThat(s[0] == 17 && s[1] == 1).isEqualTo(rle);
                byte[] out = new byte[4096];
                assertThat(d.decompress(s, 0, s.length, out, 0, 4096)).isEqualTo(4096);
                assertThat(out).isEqualTo(in);
            }
        }
    }
}
