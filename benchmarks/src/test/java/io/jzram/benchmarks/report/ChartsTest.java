// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results step on sample inputs: tables with the right ratios, three PNGs, missing inputs skipped. */
class ChartsTest {
    static Path res(String name) throws Exception {
        return Path.of(ChartsTest.class.getResource("/report/" + name).toURI());
    }

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void jsonReaderReadsWhatJmhAndTheScriptsWrite() {
        Object o = Json.parse(" {\"a\": [1, 2.5e3, -3], \"b\": {\"c\": \"x\\\"y\\u0041\"}, \"d\": true, \"e\": null, \"f\": \"NaN\"} ");
        Map<String, Object> m = Json.obj(o);
        assertThat(Json.list(m.get("a"))).containsExactly(1.0, 2500.0, -3.0);
        assertThat(Json.at(m, "b", "c")).isEqualTo("x\"yA");
        assertThat(m.get("d")).isEqualTo(true);
        assertThat(m).containsKey("e");
        assertThat(Json.num(m.get("f"))).isNaN();
        assertThat(Json.at(m, "b", "missing", "deeper")).isNull();
        assertThatThrownBy(() -> Json.parse("{\"a\": 1,}")).hasMessageContaining("JSON");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
    }

    @Test
    void allInputsGiveTablesAndThreeCharts(@TempDir Path out) throws Exception {
        Charts c = new Charts();
        c.addJmh(res("jmh-sample.json"));
        c.addKernel(res("kernel-compare-sample.json"));
        c.addKernel(res("kernel-compare-lzo-rle-sample.json"));
        c.addBench(res("bench-sample.jsonl"));
        List<Path> files = c.write(out);
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("results.md", "throughput-vs-threads.png", "jzram-vs-codec-vs-kernel.png", "memory-overhead.png");
        for (Path p : files.subList(1, 4)) {
            BufferedImage img = ImageIO.read(p.toFile());
            assertThat(img.getWidth()).isGreaterThan(400);
            assertThat(img.getHeight()).isGreaterThan(300);
        }
        String md = Files.readString(out.resolve("results.md"));
        // device write 130000 ops/s vs raw compress 140000 at 1 thread: 532 vs 573 MB/s, ratio 0.929
        // cores: -prof CpuTimeProfiler's cpu.cores of write and compress; nothing is scaled by it
        assertThat(md).contains("| 1 | 532 | 573 | 0.929 | 2458 | 2662 | 0.923 | 0.01 | 0.01 | 1.02, 1.01, -, - |");
        assertThat(md).contains("2 threads / 1 thread (wall clock): device write x1.90, read x1.90; raw lz4 compress x1.90, decompress x1.90.");
        assertThat(md).doesNotContain("*cpu*").doesNotContain("normalized");
        assertThat(md).contains("| write | seq | 1 | 532 | 492 | 0.923 | 1.02, - |"); // storm 120000 vs 130000
        assertThat(md).contains("pages `mix` (generated), 2048 pages");
        assertThat(md).contains("thread 0 sits on cpu0"); // the sample predates the homes parameter
        assertThat(md).contains("| zstd | 246 | 737 |");
        assertThat(md).contains("MaintenanceBenchmark.compact");
        assertThat(md).contains("| compr_data_size | 73367045 | 73368460 | 1415 | +0.00 % |");
        assertThat(md).contains("| bs=4k 1 writer | 450 | 484 | 1.074 | 1598 | 2240 | 1.402 | 578 | 0.837 |"); // per CPU-second
        assertThat(md).contains("| kernel lz4 | 134217728 | 73367045 | 75911168 | 1.0347 |");
        assertThat(md).contains("| jzram zstd |");
        // the targets, on the wall-clock ratios of each kernel comparison
        assertThat(md).contains("| lz4 1 writer, bs=1M: jzram write / kernel write | 1.019 | >= 1.10 | missed |");
        assertThat(md).contains("| lz4 2 writers, bs=4k: jzram write / kernel write | 0.801 | >= 1.00 | missed |");
        assertThat(md).contains("| lz4 2 readers, bs=4k: jzram read / kernel read | 1.250 | >= 1.00 | met |");
        assertThat(md).contains("| lz4 bs=4k: jzram 2 readers / 1 reader | 1.658 | >= 1.80 | missed |");
        assertThat(md).contains("| lzo-rle bs=4k 1 writer: jzram write / kernel write | 0.767 | >= 0.80 | missed |");
        assertThat(md).contains("| lzo-rle bs=1M 2 writers: jzram read / kernel read | 1.100 | >= 1.00 | met |");
        assertThat(md).contains("## Against the kernel's zram, lzo-rle");
        assertThat(md).contains("| kernel lzo-rle | 134217728 | 70000000 | 72000000 |");
    }

    @Test
    void aFileSourceIsLabelledWithThePagesItUsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("p.pages");
        Files.write(file, new byte[3 * 4096 + 100]);
        Charts c = new Charts();
        Charts.Row all = new Charts.Row("io.jzram.benchmarks.CodecBenchmark.compress", "thrpt", 1, Map.of("pages", "file:" + file, "count", "all"), 1, 0, "ops/s",
                0, Double.NaN);
        c.rows().add(all);
        assertThat(c.pagesLabel("file:" + file)).isEqualTo("pages `file:" + file + "`, every page of the file = 3 pages, 0 MiB");
        c.rows().set(0, new Charts.Row(all.benchmark(), "thrpt", 1, Map.of("pages", "file:" + file, "count", "2048"), 1, 0, "ops/s", 0, Double.NaN));
        assertThat(c.pagesLabel("file:" + file)).isEqualTo("pages `file:" + file + "`, its first 2048 pages");
    }

    @Test
    void missingInputsAreSkipped(@TempDir Path out) throws Exception {
        Charts c = new Charts();
        c.addJmh(res("jmh-sample.json"));
        List<Path> files = c.write(out);
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("results.md", "throughput-vs-threads.png");
        assertThat(Files.readString(out.resolve("results.md"))).doesNotContain("Against the kernel");
    }
}
