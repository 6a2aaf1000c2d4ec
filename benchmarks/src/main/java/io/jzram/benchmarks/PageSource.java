// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Pages for the benchmarks, in one direct buffer of {@code count} 4 KiB pages. The spec (a JMH
 * {@code @Param}) is one of:
 * <ul>
 *   <li>{@code mix} (default): generated pages that look like process memory: text-like pages,
 *       pointer-rich structs, a few zero pages, and {@code noisePercent} of the bytes of the text
 *       and struct pages random; every 16th page is fully random (stored raw by zram, as ~2 % of
 *       the corpus is). At the default noise the lz4 ratio is close to the shared corpus's
 *       (~0.55).</li>
 *   <li>one kind alone: {@code zero} (all-zero pages), {@code same} (same-filled pages, a
 *       different 8-byte pattern each), {@code text} (words, with noise), {@code records}
 *       (structured records: pointers, small ints, tags, with noise), {@code random}
 *       (incompressible);</li>
 *   <li>a controlled mix, in percent of the pages: {@code mix:zero=5,same=5,text=40,records=35,random=15}
 *       (kinds not named get 0; the shares must add up to 100). Pages are drawn independently
 *       with these probabilities (seeded).</li>
 *   <li>{@code file:PATH}: the first {@code count} pages of a file of raw pages, e.g. the corpus
 *       unpacked ({@code xz -dc mixed-128m.pages.xz > /tmp/mixed-128m.pages}); a shorter file is
 *       cycled; a trailing partial page is ignored. The benchmarks' {@code count=all} (the
 *       default, {@link #resolveCount}) takes every whole page of the file.</li>
 * </ul>
 */
final class PageSource {
    static final int PAGE = 4096;

    /** The kinds of generated page, in the order the controlled mix names them. */
    enum Kind {
        ZERO, SAME, TEXT, RECORDS, RANDOM;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not this are or from at which but have an "
            + "they you were there been one all we their has would when if so no will more can kernel page zram memory "
            + "compress stream handle class zspage object slot swap java string hash table entry node value key list").split(" ");

    private PageSource() {
    }

    /** Pages a generated source has when the benchmarks' {@code count} is {@code all}. */
    static final int GENERATED_DEFAULT = 2048;

    /**
     * The number of pages a {@code count} parameter asks for: {@code all} is every whole page of a
     * {@code file:} source and {@link #GENERATED_DEFAULT} of a generated one; otherwise a positive number.
     */
    static int resolveCount(String spec, String count) throws IOException {
        if (count.equals("all")) {
            if (!spec.startsWith("file:")) {
                return GENERATED_DEFAULT;
            }
            int n = pagesIn(Path.of(spec.substring(5)));
            if (n <= 0) {
                throw new IOException(spec.substring(5) + " holds no whole page");
            }
            return n;
        }
        int n;
        try {
            n = Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("count must be all or a number of pages: " + count, e);
        }
        if (n <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        return n;
    }

    static ByteBuffer load(String spec, int count, int noisePercent, long seed) throws IOException {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        ByteBuffer all = ByteBuffer.allocateDirect(Math.multiplyExact(count, PAGE)).order(ByteOrder.nativeOrder());
        if (spec.startsWith("file:")) {
            readFile(Path.of(spec.substring(5)), all, count);
            return all;
        }
        SplittableRandom r = new SplittableRandom(seed);
        byte[] page = new byte[PAGE];
        if (spec.equals("mix")) {
            // the original mix (kept draw for draw, so figures stay comparable across versions)
            for (int p = 0; p < count; p++) {
                int kind = p % 16 == 15 ? 3 : r.nextInt(10) < 5 ? 0 : r.nextInt(10) < 8 ? 1 : 2;
                switch (kind) {
                    case 0 -> text(page, r, noisePercent);
                    case 1 -> records(page, r, noisePercent);
                    case 2 -> Arrays.fill(page, (byte) 0);
                    default -> r.nextBytes(page);
                }
                all.put(p * PAGE, page);
            }
            return all;
        }
        int[] shares = shares(spec);
        for (int p = 0; p < count; p++) {
            int d = r.nextInt(100);
            int k = 0;
            while (d >= shares[k]) {
                d -= shares[k];
                k++;
            }
            generate(Kind.values()[k], page, r, noisePercent);
            all.put(p * PAGE, page);
        }
        return all;
    }

    /** The percentage of each {@link Kind} a generated spec asks for (indexed by ordinal). */
    static int[] shares(String spec) {
        int[] shares = new int[Kind.values().length];
        for (Kind k : Kind.values()) {
            if (spec.equals(k.word())) {
                shares[k.ordinal()] = 100;
                return shares;
            }
        }
        if (!spec.startsWith("mix:")) {
            throw new IllegalArgumentException("page source must be mix, zero, same, text, records, random, "
                    + "mix:KIND=PERCENT,... or file:PATH: " + spec);
        }
        Map<String, Kind> byWord = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            byWord.put(k.word(), k);
        }
        int total = 0;
        for (String part : spec.substring(4).split(",")) {
            String[] kv = part.trim().split("=", 2);
            Kind k = byWord.get(kv[0].trim());
            if (k == null || kv.length != 2) {
                throw new IllegalArgumentException("unknown page kind or missing '=' in '" + part + "' (kinds: " + byWord.keySet() + ")");
            }
            int v = Integer.parseInt(kv[1].trim());
            if (v < 0) {
                throw new IllegalArgumentException("negative share in '" + part + "'");
            }
            shares[k.ordinal()] += v;
            total += v;
        }
        if (total != 100) {
            throw new IllegalArgumentException("the shares of " + spec + " add up to " + total + ", not 100");
        }
        return shares;
    }

    /** Fills {@code page} with one page of the given kind. */
    static void generate(Kind kind, byte[] page, SplittableRandom r, int noisePercent) {
        switch (kind) {
            case ZERO -> Arrays.fill(page, (byte) 0);
            case SAME -> {
                long v = r.nextLong();
                ByteBuffer le = ByteBuffer.wrap(page).order(ByteOrder.nativeOrder());
                for (int i = 0; i < PAGE; i += 8) {
                    le.putLong(i, v);
                }
            }
            case TEXT -> text(page, r, noisePercent);
            case RECORDS -> records(page, r, noisePercent);
            case RANDOM -> r.nextBytes(page);
            default -> throw new AssertionError(kind);
        }
    }

    private static void text(byte[] page, SplittableRandom r, int noisePercent) {
        int i = 0;
        while (i < PAGE) {
            String w = WORDS[r.nextInt(WORDS.length)];
            for (int k = 0; k < w.length() && i < PAGE; k++) {
                page[i++] = (byte) w.charAt(k);
            }
            if (i < PAGE) {
                page[i++] = (byte) (r.nextInt(16) == 0 ? '\n' : ' ');
            }
        }
        noise(page, r, noisePercent);
    }

    /** Structured records of 32 bytes: a pointer, a small int, a tag, a small enum, a sparse long. */
    private static void records(byte[] page, SplittableRandom r, int noisePercent) {
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

    private static void noise(byte[] page, SplittableRandom r, int percent) {
        int n = PAGE * percent / 100;
        for (int i = 0; i < n; i++) {
            page[r.nextInt(PAGE)] = (byte) r.nextInt();
        }
    }

    private static void readFile(Path p, ByteBuffer all, int count) throws IOException {
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
    }

    /** How many whole pages a file holds. */
    static int pagesIn(Path p) throws IOException {
        return (int) Math.min(Integer.MAX_VALUE / PAGE, Files.size(p) / PAGE);
    }

    /** One view of each of the first {@code count} pages of {@code all} (position 0, limit 4096). */
    static ByteBuffer[] views(ByteBuffer all, int count) {
        ByteBuffer[] v = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            v[i] = all.slice(i * PAGE, PAGE);
        }
        return v;
    }

    /** page_same_filled() as zram does it (first word against the last, then the rest, early exit). */
    static boolean sameFilled(ByteBuffer b, int off) {
        long v = b.getLong(off);
        if (v != b.getLong(off + PAGE - 8)) {
            return false;
        }
        for (int i = 8; i < PAGE - 8; i += 8) {
            if (b.getLong(off + i) != v) {
                return false;
            }
        }
        return true;
    }
}
