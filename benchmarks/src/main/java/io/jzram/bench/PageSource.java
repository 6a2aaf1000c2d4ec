package io.jzram.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Pages for the benchmarks, in one direct buffer of {@code count} 4 KiB pages:
 * <ul>
 *   <li>{@code mix} (default): generated pages that look like process memory, with controlled
 *       compressibility: text-like runs, pointer-rich structs, a few zero pages, and a share of
 *       pages with random noise; {@code noisePercent} of the bytes of the noisy pages are random,
 *       and every 16th page is fully random (stored raw by zram, as ~2 % of the corpus is).
 *       At the default the lz4 ratio is close to the shared corpus's (~0.55).</li>
 *   <li>{@code file:PATH}: the first {@code count} pages of a file of raw pages, e.g. the corpus
 *       unpacked ({@code xz -dc mixed-128m.pages.xz > mixed-128m.pages}); a shorter file is
 *       cycled.</li>
 * </ul>
 */
final class PageSource {
    static final int PAGE = 4096;

    private PageSource() {
    }

    static ByteBuffer load(String spec, int count, int noisePercent, long seed) throws IOException {
        ByteBuffer all = ByteBuffer.allocateDirect(count * PAGE).order(ByteOrder.nativeOrder());
        if (spec.startsWith("file:")) {
            Path p = Path.of(spec.substring(5));
            byte[] page = new byte[PAGE];
            int filled = 0;
            while (filled < count) {
                try (InputStream in = Files.newInputStream(p)) {
                    int before = filled;
                    while (filled < count && in.readNBytes(page, 0, PAGE) == PAGE) {
                        all.put(filled * PAGE, page);
                        filled++;
                    }
                    if (filled == before) {
                        throw new IOException(p + " holds no whole page");
                    }
                }
            }
            return all;
        }
        if (!spec.equals("mix")) {
            throw new IllegalArgumentException("page source must be 'mix' or 'file:PATH': " + spec);
        }
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = ("the of and to in is that for it as was with be by on not this are or from at which but have an "
                + "they you were there been one all we their has would when if so no will more can kernel page zram memory "
                + "compress stream handle class zspage object slot swap java string hash table entry node value key list").split(" ");
        byte[] page = new byte[PAGE];
        for (int p = 0; p < count; p++) {
            int kind = p % 16 == 15 ? 3 : r.nextInt(10) < 5 ? 0 : r.nextInt(10) < 8 ? 1 : 2;
            switch (kind) {
                case 0 -> { // text with noise
                    int i = 0;
                    while (i < PAGE) {
                        String w = words[r.nextInt(words.length)];
                        for (int k = 0; k < w.length() && i < PAGE; k++) {
                            page[i++] = (byte) w.charAt(k);
                        }
                        if (i < PAGE) {
                            page[i++] = (byte) (r.nextInt(16) == 0 ? '\n' : ' ');
                        }
                    }
                    noise(page, r, noisePercent);
                }
                case 1 -> { // structs: pointers, small ints, tags
                    ByteBuffer le = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
                    long base = 0x7f00_0000_0000L + ((long) r.nextInt(1 << 20) << 12);
                    for (int i = 0; i < PAGE; i += 32) {
                        le.putLong(i, base + r.nextInt(1 << 14) * 16L);
                        le.putLong(i + 8, r.nextInt(1000));
                        le.putInt(i + 16, 0xCAFE);
                        le.putInt(i + 20, r.nextInt(3));
                        le.putLong(i + 24, r.nextInt(4) == 0 ? r.nextLong() : 0);
                    }
                    noise(page, r, noisePercent);
                }
                case 2 -> java.util.Arrays.fill(page, (byte) 0);
                default -> r.nextBytes(page);
            }
            all.put(p * PAGE, page);
        }
        return all;
    }

    private static void noise(byte[] page, SplittableRandom r, int percent) {
        int n = PAGE * percent / 100;
        for (int i = 0; i < n; i++) {
            page[r.nextInt(PAGE)] = (byte) r.nextInt();
        }
    }
}
