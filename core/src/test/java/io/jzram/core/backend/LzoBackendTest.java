// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.core.backend.lzo.Lzo1xCompressor;
import io.jzram.core.zsmalloc.ZsMapping;
import io.jzram.core.zsmalloc.ZsPool;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lzo and lzo-rle backends as zram uses them: round trips of many kinds of page in heap,
 * direct and read-only buffers at odd offsets, and a decoder that answers every malformed stream
 * (truncated, corrupted, garbage, too long or too short an output, a match before the start) with
 * EINVAL, never with another exception, never writing outside the destination page and never
 * reading outside the source range.
 */
@Timeout(120)
class LzoBackendTest {
    private static final int PAGE = 4096;
    private static final int GUARD = 64;
    private static final byte GUARD_BYTE = (byte) 0xa5;

    /** Page contents beyond {@link TestPages}: mixtures, near-threshold noise, zero runs of every length. */
    enum Kind {
        ZERO, SAME, TEXT, RANDOM, HALF_RANDOM, STRUCTS, MIXED, SPARSE, PATTERN, ZERO_RUNS;

        void fill(byte[] b, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            ByteBuffer bb = ByteBuffer.wrap(b);
            switch (this) {
                case ZERO -> Arrays.fill(b, (byte) 0);
                case SAME -> TestPages.SAME_FILLED.fill(bb, 0, seed);
                case TEXT -> TestPages.TEXT.fill(bb, 0, seed);
                case RANDOM -> TestPages.RANDOM.fill(bb, 0, seed);
                case HALF_RANDOM -> TestPages.HALF_RANDOM.fill(bb, 0, seed);
                case STRUCTS -> TestPages.STRUCTS.fill(bb, 0, seed);
                case MIXED -> {
                    // segments of the other kinds
                    byte[] tmp = new byte[PAGE];
                    int i = 0;
                    while (i < PAGE) {
                        int len = Math.min(PAGE - i, 1 + r.nextInt(r.nextBoolean() ? 64 : 1500));
                        Kind k = values()[r.nextInt(6)];
                        k.fill(tmp, r.nextLong());
                        System.arraycopy(tmp, r.nextInt(PAGE - len + 1), b, i, len);
                        i += len;
                    }
                }
                case SPARSE -> {
                    // random bytes among zeros at a density that puts pages on both sides of the huge threshold
                    int density = 5 + r.nextInt(90);
                    for (int i = 0; i < PAGE; i++) {
                        b[i] = r.nextInt(100) < density ? (byte) r.nextInt(256) : 0;
                    }
                }
                case PATTERN -> {
                    // a short pattern repeated, sometimes mutated: long matches, short distances
                    int period = 1 + r.nextInt(r.nextBoolean() ? 8 : 300);
                    for (int i = 0; i < PAGE; i++) {
                        b[i] = i < period || r.nextInt(200) == 0 ? (byte) r.nextInt(256) : b[i - period];
                    }
                }
                case ZERO_RUNS -> {
                    // zero runs of 1..2100 bytes (lzo-rle's longest is 2051) between random bytes
                    int i = 0;
                    while (i < PAGE) {
                        int zeros = Math.min(PAGE - i, 1 + r.nextInt(r.nextInt(4) == 0 ? 2100 : 40));
                        Arrays.fill(b, i, i + zeros, (byte) 0);
                        i += zeros;
                        int lit = Math.min(PAGE - i, 1 + r.nextInt(12));
                        for (int k = 0; k < lit; k++) {
                            b[i + k] = (byte) (1 + r.nextInt(255));
                        }
                        i += lit;
                    }
                }
                default -> throw new AssertionError(this);
            }
        }
    }

    static Stream<Arguments> algorithmsAndKinds() {
        List<Arguments> out = new ArrayList<>();
        for (String alg : List.of("lzo-rle", "lzo")) {
            for (Kind k : Kind.values()) {
                out.add(Arguments.of(alg, k));
            }
        }
        return out.stream();
    }

    private static ZcompBackend backend(String name) {
        return name.equals("lzo-rle") ? LzoBackend.lzoRle() : LzoBackend.lzo();
    }

    private static ByteBuffer buffer(boolean direct, int size) {
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /** 40 pages of the kind, seeded, through all 8 combinations of heap and direct at odd offsets. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndKinds")
    void roundTripsPagesInEveryBufferCombination(String alg, Kind kind) {
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            byte[] page = new byte[PAGE];
            for (int seed = 0; seed < 40; seed++) {
                kind.fill(page, seed * 7919L + kind.ordinal());
                int combo = seed & 7;
                int srcOff = 1 + seed % 13;
                int dstOff = 3 + seed % 11;
                int backOff = seed % 7;
                ByteBuffer src = buffer((combo & 1) != 0, PAGE + srcOff).put(srcOff, page);
                ByteBuffer packed = buffer((combo & 2) != 0, 2 * PAGE + dstOff);
                ByteBuffer back = buffer((combo & 4) != 0, PAGE + backOff);
                int n = ctx.compress(src, srcOff, packed, dstOff, 2 * PAGE);
                assertThat(n).isPositive().isLessThanOrEqualTo(Lzo1xCompressor.worstCase(PAGE));
                ctx.decompress(packed, dstOff, n, back, backOff);
                assertThat(back.slice(backOff, PAGE)).as("%s %s seed %d combo %d", alg, kind, seed, combo).isEqualTo(ByteBuffer.wrap(page));
                // read-only input on both sides, and the same bytes every time
                ByteBuffer copy = ByteBuffer.allocate(2 * PAGE);
                assertThat(ctx.compress(src.asReadOnlyBuffer(), srcOff, copy, 0, 2 * PAGE)).isEqualTo(n);
                assertThat(copy.slice(0, n)).isEqualTo(packed.slice(dstOff, n));
                ByteBuffer again = buffer(combo % 3 == 0, PAGE);
                ctx.decompress(copy.asReadOnlyBuffer(), 0, n, again, 0);
                assertThat(again).isEqualTo(ByteBuffer.wrap(page));
                switch (kind) {
                    case ZERO -> assertThat(n).isEqualTo(alg.equals("lzo-rle") ? 41 : 44);
                    case SAME -> assertThat(n).isLessThan(100);
                    case RANDOM -> assertThat(n).isGreaterThan(PAGE);
                    case TEXT -> assertThat(n).isLessThan(3000);
                    default -> { }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void setupAcceptsWhatTheKernelIgnores(String alg) {
        ZcompParams p = ZcompParams.builder().level(5).dictionary(new byte[] {1, 2, 3}).build();
        try (ZcompConfig config = backend(alg).setup(p)) {
            assertThat(config.params().level()).isEqualTo(5);
            assertThat(config.backend().name()).isEqualTo(alg);
        }
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults())) {
            assertThat(config.params().level()).isZero();
        }
    }

    /** Valid streams of a few pages, for the decoder tests. */
    private static List<byte[]> validStreams(String alg) {
        List<byte[]> out = new ArrayList<>();
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            byte[] page = new byte[PAGE];
            for (Kind k : new Kind[] {Kind.TEXT, Kind.STRUCTS, Kind.ZERO_RUNS, Kind.PATTERN, Kind.MIXED}) {
                k.fill(page, 42);
                ByteBuffer packed = ByteBuffer.allocate(2 * PAGE);
                int n = ctx.compress(ByteBuffer.wrap(page), 0, packed, 0, 2 * PAGE);
                out.add(Arrays.copyOf(packed.array(), n));
            }
        }
        return out;
    }

    /**
     * Decodes {@code stream} (whole array) into a guarded destination, in two layouts: the stream
     * alone in a heap array, and the same bytes inside a larger array between junk. The outcome
     * (the page, or EINVAL) must be the same: a decoder reading outside its source range would
     * see the junk. The guards around the destination page must be untouched.
     *
     * @return the decoded page, or null for EINVAL
     */
    private static byte[] decodeGuarded(ZcompContext ctx, byte[] stream, boolean directDst, SplittableRandom r) {
        byte[] first = null;
        boolean firstFailed = false;
        for (int layout = 0; layout < 2; layout++) {
            ByteBuffer src;
            int srcOff;
            if (layout == 0) {
                src = ByteBuffer.wrap(stream);
                srcOff = 0;
            } else {
                byte[] big = new byte[stream.length + 2 * GUARD];
                for (int i = 0; i < GUARD; i++) {
                    big[i] = (byte) r.nextInt(256);
                    big[GUARD + stream.length + i] = (byte) r.nextInt(256);
                }
                System.arraycopy(stream, 0, big, GUARD, stream.length);
                src = ByteBuffer.wrap(big);
                srcOff = GUARD;
            }
            ByteBuffer dst = buffer(directDst, PAGE + 2 * GUARD);
            for (int i = 0; i < dst.capacity(); i++) {
                dst.put(i, GUARD_BYTE);
            }
            boolean failed = false;
            try {
                ctx.decompress(src, srcOff, stream.length, dst, GUARD);
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                failed = true;
            }
            for (int i = 0; i < GUARD; i++) {
                if (dst.get(i) != GUARD_BYTE || dst.get(GUARD + PAGE + i) != GUARD_BYTE) {
                    throw new AssertionError("a guard byte around the destination page changed, " + i
                            + " bytes from the page; stream " + Arrays.toString(stream));
                }
            }
            byte[] page = new byte[PAGE];
            dst.get(GUARD, page);
            if (layout == 0) {
                firstFailed = failed;
                first = failed ? null : page;
            } else {
                assertThat(failed).as("the outcome depends on bytes outside the source range").isEqualTo(firstFailed);
                if (!failed) {
                    assertThat(page).isEqualTo(first);
                }
            }
        }
        return first;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void truncatedStreamsAreEinval(String alg) {
        SplittableRandom r = new SplittableRandom(1);
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            for (byte[] s : validStreams(alg)) {
                assertThat(decodeGuarded(ctx, s, false, r)).isNotNull();
                for (int len = 0; len < s.length; len++) {
                    assertThat(decodeGuarded(ctx, Arrays.copyOf(s, len), len % 2 == 0, r)).as("prefix of %d bytes", len).isNull();
                }
                // and with bytes after the end marker: LZO_E_INPUT_NOT_CONSUMED
                byte[] longer = Arrays.copyOf(s, s.length + 1);
                assertThat(decodeGuarded(ctx, longer, true, r)).isNull();
            }
        }
    }

    /** Every byte of a few valid streams replaced by other values: a page or EINVAL, nothing else. */
    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void everySingleByteCorruptionIsAPageOrEinval(String alg) {
        SplittableRandom r = new SplittableRandom(2);
        int[] flips = {0x01, 0x02, 0x04, 0x10, 0x20, 0x40, 0x80, 0xff};
        int decoded = 0;
        int refused = 0;
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            List<byte[]> streams = validStreams(alg);
            streams.sort((a, b) -> Integer.compare(a.length, b.length)); // the shortest gets all 255 values
            for (int si = 0; si < streams.size(); si++) {
                byte[] s = streams.get(si);
                for (int pos = 0; pos < s.length; pos++) {
                    // the first stream gets every other value at every position, the rest some
                    int variants = si == 0 ? 255 : flips.length;
                    for (int v = 0; v < variants; v++) {
                        byte[] bad = s.clone();
                        bad[pos] ^= (byte) (si == 0 ? v + 1 : flips[v]);
                        if (decodeGuarded(ctx, bad, (pos + v) % 3 == 0, r) == null) {
                            refused++;
                        } else {
                            decoded++;
                        }
                    }
                }
            }
        }
        System.out.printf("%s single-byte corruptions: %d decoded to a page, %d EINVAL%n", alg, decoded, refused);
        assertThat(refused).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void randomGarbageIsAPageOrEinval(String alg) {
        SplittableRandom r = new SplittableRandom(3);
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            for (int k = 0; k < 3000; k++) {
                int len = r.nextInt(k < 1000 ? 16 : 5000);
                byte[] junk = new byte[len];
                for (int i = 0; i < len; i++) {
                    // small values and zeros make long length extensions and plausible instructions
                    junk[i] = (byte) (r.nextInt(3) == 0 ? r.nextInt(20) : r.nextInt(256));
                }
                if (len >= 2 && r.nextBoolean()) {
                    junk[0] = 17; // a version header
                    junk[1] = (byte) r.nextInt(3);
                }
                decodeGuarded(ctx, junk, r.nextBoolean(), r);
            }
        }
    }

    private static byte[] codec(boolean rle, byte[] in) {
        byte[] out = new byte[Lzo1xCompressor.worstCase(in.length)];
        int n = new Lzo1xCompressor(rle).compress(in, 0, in.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void streamsOfAnotherLengthThanAPageAreEinval(String alg) {
        boolean rle = alg.equals("lzo-rle");
        SplittableRandom r = new SplittableRandom(4);
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            for (int len : new int[] {0, 1, 100, 4095, 4097, 5000, 8192, 70_000}) {
                byte[] data = new byte[len];
                for (int i = 0; i < len; i++) {
                    data[i] = (byte) (i % 7 == 0 ? r.nextInt(256) : i / 64);
                }
                // valid streams, but of too little or too much output: LZO_E_OUTPUT_OVERRUN or "not a page"
                assertThat(decodeGuarded(ctx, codec(rle, data), true, r)).as("a stream of %d bytes", len).isNull();
                assertThat(decodeGuarded(ctx, codec(!rle, data), false, r)).as("a stream of %d bytes", len).isNull();
            }
        }
    }

    /** A match whose distance reaches before the start of the output: LZO_E_LOOKBEHIND_OVERRUN. */
    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void aMatchBeforeTheStartIsEinval(String alg) {
        SplittableRandom r = new SplittableRandom(5);
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            // 4 literals (0000LLLL = 1), then M3 length 3 distance 100 (DDDDDDSS DDDDDDDD of 99), then the end
            int d = 99;
            byte[] m3 = {0x01, 1, 2, 3, 4, 0x21, (byte) (d << 2), (byte) (d >> 6), 0x11, 0, 0};
            assertThat(decodeGuarded(ctx, m3, false, r)).isNull();
            // M2 LLLDDDSS HHHHHHHH: length 3, distance 5 after 4 literals
            byte[] m2 = {0x01, 1, 2, 3, 4, 0x40 | (4 & 7) << 2, 0, 0x11, 0, 0};
            assertThat(decodeGuarded(ctx, m2, true, r)).isNull();
            // after a long first literal run (first byte 17 + 4), M1 0000DDSS in state 4: 2049+ back
            byte[] m1 = {17 + 4, 1, 2, 3, 4, 0x00, 0, 0x11, 0, 0};
            assertThat(decodeGuarded(ctx, m1, false, r)).isNull();
            // M4 0001HLLL 16 KiB back, after 4 literals
            byte[] m4 = {0x01, 1, 2, 3, 4, 0x11, 4, 0, 0x11, 0, 0};
            assertThat(decodeGuarded(ctx, m4, true, r)).isNull();
            // the same shape, distance within the output, decodes (to fewer than a page: still EINVAL)
            byte[] ok = {0x01, 1, 2, 3, 4, 0x40 | (3 & 7) << 2, 0, 0x11, 0, 0};
            byte[] out = new byte[16];
            assertThat(new io.jzram.core.backend.lzo.Lzo1xDecompressor().decompress(ok, 0, ok.length, out, 0, out.length)).isEqualTo(7);
            assertThat(Arrays.copyOf(out, 7)).containsExactly(1, 2, 3, 4, 1, 2, 3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void tooLittleRoomToCompressIsEinvalAndTheContextGoesOn(String alg) {
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            ByteBuffer random = ByteBuffer.allocate(PAGE);
            TestPages.RANDOM.fill(random, 0, 9);
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuffer small = buffer(direct, 100);
                assertThatThrownBy(() -> ctx.compress(random, 0, small, 0, 100))
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            }
            ByteBuffer text = ByteBuffer.allocate(PAGE);
            TestPages.TEXT.fill(text, 0, 5);
            ByteBuffer packed = ByteBuffer.allocate(2 * PAGE);
            int n = ctx.compress(text, 0, packed, 0, 2 * PAGE);
            ByteBuffer back = ByteBuffer.allocateDirect(PAGE);
            ctx.decompress(packed, 0, n, back, 0);
            assertThat(back).isEqualTo(text);
            assertThatThrownBy(() -> ctx.compress(text, 4000, packed, 0, 2 * PAGE)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void decompressesStraightFromPoolMemory(String alg) {
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults());
                ZcompContext ctx = config.createContext();
                ZsPool pool = new ZsPool("lzo")) {
            ZsMapping m = new ZsMapping();
            byte[] page = new byte[PAGE];
            ByteBuffer src = ByteBuffer.allocateDirect(PAGE);
            ByteBuffer stream = ByteBuffer.allocateDirect(2 * PAGE);
            List<long[]> stored = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Kind.values()[i % Kind.values().length].fill(page, i);
                src.put(0, page);
                int n = ctx.compress(src, 0, stream, 0, 2 * PAGE);
                int size = n >= pool.hugeClassSize() ? PAGE : n;
                long h = pool.malloc(size);
                pool.write(h, n >= pool.hugeClassSize() ? src : stream, 0, size);
                stored.add(new long[] {h, n, i});
            }
            pool.compact();
            ByteBuffer back = ByteBuffer.allocate(PAGE);
            for (long[] s : stored) {
                Kind.values()[(int) s[2] % Kind.values().length].fill(page, s[2]);
                pool.map(s[0], m);
                try {
                    if (s[1] >= pool.hugeClassSize()) {
                        back.put(0, m.buffer(), m.offset(), PAGE);
                    } else {
                        ctx.decompress(m.buffer(), m.offset(), (int) s[1], back, 0);
                    }
                } finally {
                    pool.unmap(m);
                }
                assertThat(back.array()).isEqualTo(page);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void compressAndDecompressAllocateNothingPerCall(String alg) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ZcompConfig config = backend(alg).setup(ZcompParams.defaults()); ZcompContext ctx = config.createContext()) {
            ByteBuffer[] pages = {ByteBuffer.allocate(PAGE), ByteBuffer.allocateDirect(PAGE)};
            ByteBuffer[] outs = {ByteBuffer.allocate(2 * PAGE), ByteBuffer.allocateDirect(2 * PAGE)};
            TestPages.STRUCTS.fill(pages[0], 0, 3);
            TestPages.STRUCTS.fill(pages[1], 0, 3);
            Runnable loop = () -> {
                for (int i = 0; i < 2000; i++) {
                    int n = ctx.compress(pages[i & 1], 0, outs[(i >> 1) & 1], 0, 2 * PAGE);
                    ctx.decompress(outs[(i >> 1) & 1], 0, n, pages[(i >> 2) & 1], 0);
                }
            };
            long allocated = Long.MAX_VALUE;
            for (int w = 0; w < 20 && allocated >= 1024; w++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                loop.run();
                allocated = mx.getCurrentThreadAllocatedBytes() - before;
            }
            assertThat(allocated).as("bytes allocated by 4000 calls").isLessThan(1024);
        }
    }

    @Test
    void contextsAreClosedOnce() {
        ZcompConfig config = LzoBackend.lzoRle().setup(ZcompParams.defaults());
        ZcompContext ctx = config.createContext();
        ctx.close();
        ctx.close();
        assertThatThrownBy(() -> ctx.compress(ByteBuffer.allocate(PAGE), 0, ByteBuffer.allocate(2 * PAGE), 0, 2 * PAGE))
                .isInstanceOf(IllegalStateException.class);
        config.close();
    }
}
