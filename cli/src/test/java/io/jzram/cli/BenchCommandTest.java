// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jzram bench} on a few MB of generated pages: output, JSON fields, mm_stat, errors. */
class BenchCommandTest {
    static final int PAGES = 1000; // 4 MB
    static final int ZERO_PAGES = 50;
    static final int RANDOM_PAGES = 100;

    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void pages() throws IOException {
        Random r = new Random(1);
        byte[] all = new byte[PAGES * 4096 + 100]; // a trailing partial page is ignored
        String words = "the zram page compress stream handle slot kernel memory ";
        for (int p = 0; p < PAGES; p++) {
            int off = p * 4096;
            if (p % 20 == 7) {
                continue; // zero page: 50 of them
            }
            if (p % 10 == 3) {
                byte[] rnd = new byte[4096];
                r.nextBytes(rnd);
                System.arraycopy(rnd, 0, all, off, 4096); // incompressible: 100 of them
                continue;
            }
            for (int i = 0; i < 4096; i++) {
                all[off + i] = (byte) words.charAt((i * 7 + p + r.nextInt(3)) % words.length());
            }
        }
        file = dir.resolve("pages.bin");
        Files.write(file, all);
    }

    static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\": (-?[0-9.]+)").matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static long[] mmStat(String json) {
        Matcher m = Pattern.compile("\"mmStat\": \\[([0-9, ]+)]").matcher(json);
        assertThat(m.find()).as("mmStat in " + json).isTrue();
        return Arrays.stream(m.group(1).split(", ")).mapToLong(Long::parseLong).toArray();
    }

    @Test
    void jsonHasTheFiguresAndTheMmStatOfEveryPage() {
        JzramRun r = jzram("bench", "--input", file.toString(), "--repeat", "2", "--warmup", "0", "--json");
        assertThat(r.status()).as(r.err()).isZero();
        String json = r.out().trim();
        assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
        Map<String, Object> parsed = JsonKeys.object(json);
        JsonKeys.assertCamelCase(parsed);
        assertThat(parsed).containsEntry("input", file.toString()).containsEntry("seed", null);
        assertThat(JsonKeys.list(parsed.get("writeRuns"))).hasSize(2);
        for (String f : new String[] {"writeMBps", "readMBps", "codecCompressMBps", "codecDecompressMBps"}) {
            assertThat(number(json, f)).as(f).isPositive();
        }
        assertThat(number(json, "pages")).isEqualTo(PAGES);
        assertThat(number(json, "threads")).isEqualTo(1);
        long[] mm = mmStat(json);
        assertThat(mm).hasSize(9);
        assertThat(mm[0]).as("orig_data_size").isEqualTo(PAGES * 4096L);
        assertThat(mm[5]).as("same_pages").isEqualTo(ZERO_PAGES);
        assertThat(mm[7]).as("huge_pages").isEqualTo(RANDOM_PAGES);
        assertThat(mm[1]).as("compr_data_size").isGreaterThan(RANDOM_PAGES * 4096L).isLessThan(PAGES * 4096L);
        assertThat(mm[2]).as("mem_used_total").isGreaterThanOrEqualTo(mm[1]);
        assertThat(json).contains("\"algorithm\": \"lz4\"", "\"verified\": true");
        assertThat(r.err()).contains("round 1/2", "round 2/2");
        // one machine across the rounds: round 2's device takes round 1's freed pool blocks, mapped already
        assertThat(parsed).containsEntry("machine", "kept across rounds");
        assertThat(number(json, "poolBytesReused")).isPositive();
        assertThat(number(json, "poolBytesFresh")).isPositive();
        JzramRun fresh = jzram("bench", "--input", file.toString(), "--repeat", "2", "--warmup", "0", "--json", "--fresh-machine");
        assertThat(fresh.status()).as(fresh.err()).isZero();
        assertThat(JsonKeys.object(fresh.out().trim())).containsEntry("machine", "fresh each round").containsEntry("poolBytesReused", 0);
        assertThat(mmStat(fresh.out())).isEqualTo(mm);
    }

    @Test
    void twoThreadsWithMegabyteRequestsStoreTheSame() {
        JzramRun one = jzram("bench", "--input", file.toString(), "--repeat", "1", "--warmup", "0", "--json");
        JzramRun two = jzram("bench", "--input", file.toString(), "--repeat", "1", "--warmup", "0", "--threads", "2", "--block-size",
                "1M", "--json", "--algorithm", "zstd");
        assertThat(two.status()).as(two.err()).isZero();
        assertThat(number(two.out(), "threads")).isEqualTo(2);
        assertThat(number(two.out(), "blockSize")).isEqualTo(1 << 20);
        long[] a = mmStat(one.out());
        long[] b = mmStat(two.out());
        assertThat(b[0]).isEqualTo(a[0]);
        assertThat(b[5]).isEqualTo(a[5]);
        assertThat(b[1]).as("zstd packs tighter than lz4").isLessThan(a[1]);
    }

    @Test
    void tableNamesEveryFigure() {
        JzramRun r = jzram("bench", "--input", file.toString(), "--repeat", "1", "--warmup", "0", "--algorithm", "deflate");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("write", "read", "codec compress", "codec decompress", "write / codec compress",
                "read / codec decompress", "verified: all 1000 pages");
        assertThat(r.out()).containsPattern("mm_stat +" + (PAGES * 4096L) + " ");
    }

    @Test
    void withoutInputItBenchesGeneratedPages() {
        JzramRun r = jzram("bench", "--size", "2M", "--seed", "5", "--repeat", "1", "--warmup", "0", "--json");
        assertThat(r.status()).as(r.err()).isZero();
        Map<String, Object> j = JsonKeys.object(r.out());
        assertThat(j.keySet()).containsExactly("input", "seed", "algorithm", "threads", "blockSize", "repeat", "warmup", "pages",
                "bytes", "writeMBps", "readMBps", "codecCompressMBps", "codecDecompressMBps", "writeVsCodecCompress",
                "readVsCodecDecompress", "codecStoredRatio", "writeCpuMBps", "readCpuMBps", "codecCompressCpuMBps",
                "codecDecompressCpuMBps", "writeRuns", "readRuns", "codecCompressRuns", "codecDecompressRuns", "machine",
                "poolBytesReused", "poolBytesFresh", "mmStat",
                "mmStatLine", "verified", "java", "availableProcessors");
        assertThat(j).containsEntry("input", "(generated)").containsEntry("seed", 5).containsEntry("pages", 512)
                .containsEntry("verified", true);
        List<Object> mm = JsonKeys.list(j.get("mmStat"));
        long same = ((Number) mm.get(5)).longValue();
        long huge = ((Number) mm.get(7)).longValue();
        // the documented mix: 4 of 20 zero or same-filled, 4 of 20 random (huge), the rest text
        assertThat(same).isBetween(512 * 4 / 20 - 40L, 512 * 4 / 20 + 40L);
        assertThat(huge).isBetween(512 * 4 / 20 - 40L, 512 * 4 / 20 + 40L);
        JzramRun again = jzram("bench", "--size", "2M", "--seed", "5", "--repeat", "1", "--warmup", "0", "--json");
        assertThat(JsonKeys.object(again.out()).get("mmStat")).as("same seed, same pages").isEqualTo(mm);
        JzramRun table = jzram("bench", "--size", "1M", "--repeat", "1", "--warmup", "0", "--block-size", "2x4K");
        assertThat(table.status()).as(table.err()).isZero();
        assertThat(table.out()).contains("(generated) seed 1, 256 pages", "8192-byte requests", "verified: all 256 pages");
    }

    @Test
    void badArguments() {
        JzramRun missing = jzram("bench", "--input", dir.resolve("missing").toString());
        assertThat(missing.status()).as("an unreadable input is a failure, not a usage error").isEqualTo(1);
        assertThat(missing.err()).startsWith("jzram bench: ");
        assertThat(jzram("bench", "--input", file.toString(), "--algorithm", "842").status()).isEqualTo(2);
        assertThat(jzram("bench", "--input", file.toString(), "--block-size", "1000").status()).isEqualTo(2);
        assertThat(jzram("bench", "--input", file.toString(), "--threads", "0").status()).isEqualTo(2);
    }
}
