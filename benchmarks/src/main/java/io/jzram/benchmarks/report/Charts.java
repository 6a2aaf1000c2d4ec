// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The results step: reads JMH JSON ({@code -rf json}, one file per thread count or all in one),
 * the kernel-compare JSONs ({@code KC_JSON=... benchmarks/kernel-compare.sh}, one per algorithm)
 * and a file of {@code jzram bench --json} lines (one per algorithm), and writes into the output
 * folder:
 * <ul>
 *   <li>{@code results.md}: markdown tables (the targets, each met or missed on the wall-clock
 *       ratios of the kernel comparisons; device vs raw codec by thread count, the storm figure,
 *       every codec, the other benchmarks, each kernel comparison with both mm_stat lines, memory
 *       overhead per algorithm), every table labelled with the pages it used;</li>
 *   <li>{@code throughput-vs-threads.png}: device write/read and raw lz4 compress/decompress
 *       (JMH) by thread count, with the kernel's dd and jzram bench where the kernel-compare ran;</li>
 *   <li>{@code jzram-vs-codec-vs-kernel.png}: write and read MB/s of the kernel, jzram and the raw
 *       codec for each configuration of the lz4 kernel comparison (else the first given);</li>
 *   <li>{@code memory-overhead.png}: mem_used_total / compr_data_size per algorithm (jzram bench),
 *       and the kernel's and jzram's for each kernel-compare algorithm.</li>
 * </ul>
 * A chart whose inputs are missing is skipped (and said so). MB = 10^6 bytes; one JMH operation
 * is one 4 KiB page.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.jzram.benchmarks.report.Charts
 * --out DIR [--jmh FILE]... [--kernel FILE]... [--bench FILE] [--machine TEXT] [--note TEXT]}.
 */
public final class Charts {
    static final int PAGE = 4096;
    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    /** One JMH result row. */
    public record Row(String benchmark, String mode, int threads, Map<String, String> params, double score, double error, String unit,
            double allocPerOp, double cpuCores) {

        /** Class.method without the package. */
        public String shortName() {
            String[] p = benchmark.split("\\.");
            return p.length >= 2 ? p[p.length - 2] + "." + p[p.length - 1] : benchmark;
        }

        /** ops/s of 4 KiB pages as MB/s; NaN for other units. */
        public double mbps() {
            return unit.equals("ops/s") ? score * PAGE / 1e6 : Double.NaN;
        }

        public String param(String k) {
            return params.getOrDefault(k, "");
        }

        String paramText() {
            StringBuilder b = new StringBuilder();
            params.forEach((k, v) -> b.append(b.length() > 0 ? " " : "").append(k).append('=').append(v));
            return b.toString();
        }
    }

    private final List<Row> rows = new ArrayList<>();
    /** kernel-compare results, one per algorithm, in the order given. */
    private final List<Map<String, Object>> kernels = new ArrayList<>();
    private final List<Map<String, Object>> bench = new ArrayList<>();
    private String machine = "";
    private String note = "";
    private final List<String> skipped = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Charts c = new Charts();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--jmh" -> c.addJmh(Path.of(need(a, v)));
                case "--kernel" -> c.addKernel(Path.of(need(a, v)));
                case "--bench" -> c.addBench(Path.of(need(a, v)));
                case "--out" -> out = Path.of(need(a, v));
                case "--machine" -> c.machine = need(a, v);
                case "--note" -> c.note = need(a, v);
                default -> {
                    System.err.println("Charts: unknown argument " + a
                            + "\nusage: Charts --out DIR [--jmh FILE]... [--kernel FILE]... [--bench FILE] [--machine TEXT] [--note TEXT]");
                    System.exit(2);
                }
            }
            i++;
        }
        if (out == null) {
            System.err.println("Charts: --out DIR is required");
            System.exit(2);
        }
        for (Path p : c.write(out)) {
            System.out.println("Charts: wrote " + p);
        }
        c.skipped.forEach(s -> System.out.println("Charts: skipped " + s));
    }

    private static String need(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    // ------------------------------------------------------------------------------- inputs

    public void addJmh(Path file) throws IOException {
        for (Object o : Json.list(Json.parse(Files.readString(file)))) {
            Map<String, Object> m = Json.obj(o);
            Map<String, String> params = new TreeMap<>();
            Object ps = m.get("params");
            if (ps instanceof Map<?, ?> pm) {
                pm.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            double alloc = Json.num(Json.at(m, "secondaryMetrics", "gc.alloc.rate.norm", "score"));
            double cores = Json.num(Json.at(m, "secondaryMetrics", "cpu.cores", "score"));
            rows.add(new Row(String.valueOf(m.get("benchmark")), String.valueOf(m.get("mode")), (int) Json.num(m.get("threads")), params,
                    Json.num(Json.at(m, "primaryMetric", "score")), Json.num(Json.at(m, "primaryMetric", "scoreError")),
                    String.valueOf(Json.at(m, "primaryMetric", "scoreUnit")), alloc, cores));
        }
    }

    /** A kernel-compare JSON ({@code KC_JSON}); one per algorithm may be given. */
    public void addKernel(Path file) throws IOException {
        kernels.add(Json.obj(Json.parse(Files.readString(file))));
    }

    /** The kernel comparison the charts show: lz4's if it was run, else the first. */
    Map<String, Object> kernel() {
        for (Map<String, Object> k : kernels) {
            if ("lz4".equals(k.get("algorithm"))) {
                return k;
            }
        }
        return kernels.isEmpty() ? null : kernels.get(0);
    }

    /** A file of {@code jzram bench --json} objects, one per line (blank lines ignored). */
    public void addBench(Path file) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                bench.add(Json.obj(Json.parse(line)));
            }
        }
    }

    List<Row> rows() {
        return rows;
    }

    // ------------------------------------------------------------------------------- selection

    /** The page source the device/codec figures are shown for: the corpus file if it was run, else the first. */
    String pages() {
        String first = null;
        for (Row r : rows) {
            String p = r.param("pages");
            if (p.startsWith("file:")) {
                return p;
            }
            if (first == null && !p.isEmpty()) {
                first = p;
            }
        }
        return first == null ? "" : first;
    }

    /** Rows of {@code shortName} with the given params (others free), by thread count. */
    Map<Integer, Row> byThreads(String shortName, String... kv) {
        Map<Integer, Row> m = new TreeMap<>();
        for (Row r : rows) {
            if (!r.shortName().equals(shortName)) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i + 1 < kv.length; i += 2) {
                if (r.params.containsKey(kv[i]) && !r.param(kv[i]).equals(kv[i + 1])) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                m.putIfAbsent(r.threads, r);
            }
        }
        return m;
    }

    // ------------------------------------------------------------------------------- output

    /** Writes results.md and the charts that have inputs; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path md = dir.resolve("results.md");
        Files.writeString(md, markdown(), StandardCharsets.UTF_8);
        written.add(md);
        Path p = dir.resolve("throughput-vs-threads.png");
        if (throughputVsThreads(p)) {
            written.add(p);
        }
        p = dir.resolve("jzram-vs-codec-vs-kernel.png");
        if (versusKernel(p)) {
            written.add(p);
        }
        p = dir.resolve("memory-overhead.png");
        if (memoryOverhead(p)) {
            written.add(p);
        }
        return written;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# jzram benchmark results\n\n");
        if (!machine.isEmpty()) {
            b.append("Machine: ").append(machine).append("\n\n");
        }
        if (!note.isEmpty()) {
            b.append(note).append("\n\n");
        }
        b.append("MB = 10^6 bytes; one JMH operation is one 4 KiB page; alloc is `-prof gc`'s gc.alloc.rate.norm (B/op). "
                + "Every ratio and every target is judged on wall-clock figures measured in one run (JMH: one after the other in one "
                + "script; kernel-compare: the kernel's dd and jzram bench in one script). `cores` is `-prof io.jzram.benchmarks.CpuTimeProfiler`'s "
                + "cpu.cores, the CPU-seconds the benchmark fork used per second: a diagnostic only (below the thread count: the fork "
                + "waited, e.g. for other processes on a shared machine).\n\n");
        targets(b);
        String pages = pages();
        if (!rows.isEmpty()) {
            String label = pagesLabel(pages);
            b.append("## Device vs raw lz4-java (JMH, ").append(label).append(", sequential, no storm)\n\n");
            b.append("| threads | device write MB/s | raw lz4 compress MB/s | write / compress | device read MB/s | raw lz4 decompress MB/s | read / decompress | write alloc B/op | read alloc B/op | cores (write, compress, read, decompress) |\n");
            b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            Map<Integer, Row> w = byThreads("DeviceBenchmark.write", "pages", pages, "pattern", "seq", "storm", "0", "algorithm", "lz4");
            Map<Integer, Row> r = byThreads("DeviceBenchmark.read", "pages", pages, "pattern", "seq", "storm", "0", "algorithm", "lz4");
            Map<Integer, Row> c = byThreads("CodecBenchmark.compress", "pages", pages, "algorithm", "lz4");
            Map<Integer, Row> d = byThreads("CodecBenchmark.decompress", "pages", pages, "algorithm", "lz4");
            TreeSet<Integer> threads = new TreeSet<>(w.keySet());
            threads.addAll(c.keySet());
            for (int t : threads) {
                b.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s, %s, %s |%n", t, mb(w.get(t)), mb(c.get(t)),
                        ratio(w.get(t), c.get(t)), mb(r.get(t)), mb(d.get(t)), ratio(r.get(t), d.get(t)), alloc(w.get(t)), alloc(r.get(t)),
                        cores(w.get(t)), cores(c.get(t)), cores(r.get(t)), cores(d.get(t))));
            }
            Row w1 = w.get(1);
            Row w2 = w.get(2);
            if (w1 != null && w2 != null) {
                b.append(String.format(Locale.ROOT, "%n2 threads / 1 thread (wall clock): device write x%s, read x%s; raw lz4 compress x%s, decompress x%s.%n",
                        scale(w1, w2), scale(r.get(1), r.get(2)), scale(c.get(1), c.get(2)), scale(d.get(1), d.get(2))));
            }
            b.append('\n');
            storm(b, pages);
            codecs(b, pages);
            others(b);
        }
        for (Map<String, Object> k : kernels) {
            kernelSection(b, k);
        }
        memorySection(b);
        if (rows.isEmpty() && kernels.isEmpty() && bench.isEmpty()) {
            b.append("No inputs were given.\n");
        }
        return b.toString();
    }

    /** A target: what is compared, the ratio measured, the bound, and whether it was met. */
    record Target(String what, double value, double bound, String source) {
        boolean met() {
            return value >= bound;
        }

        String verdict() {
            return Double.isNaN(value) ? "not measured" : met() ? "met" : "missed";
        }
    }

    /**
     * The targets, from the kernel-compare runs (wall clock, one script each): for lz4,
     * 2 writers and 2 readers at least the kernel's MB/s at both request sizes, jzram's 2/1
     * scaling of writes and reads at least 1.8x, 1 writer at least 1.1x the kernel's write; for
     * lzo-rle and lzo, write at least 0.8x and read at least 1.0x the kernel's in every configuration.
     */
    List<Target> targetList() {
        List<Target> out = new ArrayList<>();
        for (Map<String, Object> k : kernels) {
            String alg = String.valueOf(k.get("algorithm"));
            String src = "kernel-compare " + alg + ", load " + k.get("loadStart") + " .. " + k.get("loadEnd");
            Map<String, Map<String, Object>> by = new LinkedHashMap<>();
            for (Object o : Json.list(k.get("configs"))) {
                Map<String, Object> c = Json.obj(o);
                by.put(String.valueOf(c.get("label")), c);
            }
            if (alg.equals("lz4")) {
                for (String bs : new String[] {"1M", "4k"}) {
                    Map<String, Object> one = by.get("bs=" + bs + " 1 writer");
                    Map<String, Object> two = by.get("bs=" + bs + " 2 writers");
                    if (one != null) {
                        out.add(new Target("lz4 1 writer, bs=" + bs + ": jzram write / kernel write", ratio(one, "jzramWriteMBps", "kernelWriteMBps"), 1.1, src));
                    }
                    if (two != null) {
                        out.add(new Target("lz4 2 writers, bs=" + bs + ": jzram write / kernel write", ratio(two, "jzramWriteMBps", "kernelWriteMBps"), 1.0, src));
                        out.add(new Target("lz4 2 readers, bs=" + bs + ": jzram read / kernel read", ratio(two, "jzramReadMBps", "kernelReadMBps"), 1.0, src));
                    }
                    if (one != null && two != null) {
                        out.add(new Target("lz4 bs=" + bs + ": jzram 2 writers / 1 writer", Json.num(two.get("jzramWriteMBps")) / Json.num(one.get("jzramWriteMBps")), 1.8, src));
                        out.add(new Target("lz4 bs=" + bs + ": jzram 2 readers / 1 reader", Json.num(two.get("jzramReadMBps")) / Json.num(one.get("jzramReadMBps")), 1.8, src));
                    }
                }
            } else if (alg.startsWith("lzo")) {
                by.forEach((label, c) -> {
                    out.add(new Target(alg + " " + label + ": jzram write / kernel write", ratio(c, "jzramWriteMBps", "kernelWriteMBps"), 0.8, src));
                    out.add(new Target(alg + " " + label + ": jzram read / kernel read", ratio(c, "jzramReadMBps", "kernelReadMBps"), 1.0, src));
                });
            }
        }
        return out;
    }

    private static double ratio(Map<String, Object> c, String a, String b) {
        return Json.num(c.get(a)) / Json.num(c.get(b));
    }

    private void targets(StringBuilder b) {
        List<Target> ts = targetList();
        if (ts.isEmpty()) {
            return;
        }
        b.append("## Targets (wall clock; the kernel's zram with dd against jzram bench, same file, same script)\n\n");
        b.append("| target | measured | bound | verdict | run |\n|---|---:|---:|---|---|\n");
        for (Target t : ts) {
            b.append(String.format(Locale.ROOT, "| %s | %s | >= %.2f | %s | %s |%n", t.what(), fmt3(t.value()), t.bound(), t.verdict(), t.source()));
        }
        b.append('\n');
    }

    /**
     * How a JMH page source is labelled: the file and how many of its pages were used ({@code count=all}:
     * every page; the number of pages when the file is readable here), or the generated source and its count.
     */
    String pagesLabel(String pages) {
        String count = "";
        for (Row r : rows) {
            if (r.param("pages").equals(pages) && !r.param("count").isEmpty()) {
                count = r.param("count");
                break;
            }
        }
        if (pages.startsWith("file:")) {
            String n = "";
            try {
                n = String.format(Locale.ROOT, " = %d pages, %.0f MiB", Files.size(Path.of(pages.substring(5))) / PAGE,
                        Files.size(Path.of(pages.substring(5))) / 1048576.0);
            } catch (IOException | RuntimeException e) {
                // the file is not here: the label says what was asked for
            }
            return "pages `" + pages + "`, " + (count.equals("all") || count.isEmpty() ? "every page of the file" + n : "its first " + count + " pages");
        }
        return "pages `" + pages + "` (generated)" + (count.isEmpty() ? "" : ", " + (count.equals("all") ? "2048" : count) + " pages");
    }

    private void storm(StringBuilder b, String pages) {
        List<String> lines = new ArrayList<>();
        for (String op : new String[] {"write", "read"}) {
            for (String pattern : new String[] {"seq", "rand"}) {
                Map<Integer, Row> calm = byThreads("DeviceBenchmark." + op, "pages", pages, "pattern", pattern, "storm", "0");
                Map<Integer, Row> storm = byThreads("DeviceBenchmark." + op, "pages", pages, "pattern", pattern, "storm", "100");
                for (int t : calm.keySet()) {
                    Row s = storm.get(t);
                    if (s != null) {
                        lines.add(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s, %s |%n", op, pattern, t, mb(calm.get(t)), mb(s), ratio(s, calm.get(t)),
                                cores(calm.get(t)), cores(s)));
                    }
                }
            }
        }
        if (!lines.isEmpty()) {
            b.append("## Hotplug storm (100 CPU toggles/s on the device's machine) vs none, same run (").append(pagesLabel(pages)).append(")\n\n");
            String homes = "";
            for (Row r : rows) {
                if (r.shortName().startsWith("DeviceBenchmark.") && r.param("storm").equals("100")) {
                    homes = r.param("homes");
                    break;
                }
            }
            b.append(homes.equals("toggled")
                    ? "Every benchmark thread's home CPU is one the storm takes down and brings back (CPUs 1..7 of 8; cpu0 never goes "
                            + "down), so every writer and reader loses its CPU and its stream under it.\n\n"
                    : "Thread i's home CPU is cpu i: thread 0 sits on cpu0, which the storm never takes down, so the 1-thread ratio "
                            + "measures no stream loss and the 2-thread one only half the threads' (the placement of runs before 2026-12, "
                            + "or -p homes=modulo).\n\n");
            b.append("| op | pattern | threads | no storm MB/s | storm MB/s | storm / none | cores (none, storm) |\n|---|---|---:|---:|---:|---:|---|\n");
            lines.forEach(b::append);
            b.append('\n');
        }
    }

    private void codecs(StringBuilder b, String pages) {
        Map<String, Row[]> by = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.threads == 1 && r.shortName().startsWith("CodecBenchmark.") && r.param("pages").equals(pages)) {
                Row[] pair = by.computeIfAbsent(r.param("algorithm"), k -> new Row[2]);
                pair[r.shortName().endsWith("compress") && !r.shortName().endsWith("decompress") ? 0 : 1] = r;
            }
        }
        if (by.isEmpty()) {
            return;
        }
        b.append("## Raw codecs, 1 thread (").append(pagesLabel(pages)).append(")\n\n");
        b.append("| algorithm | compress MB/s | decompress MB/s | compress alloc B/op | decompress alloc B/op |\n|---|---:|---:|---:|---:|\n");
        by.forEach((alg, p) -> b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", alg, mb(p[0]), mb(p[1]), alloc(p[0]), alloc(p[1]))));
        b.append('\n');
    }

    private void others(StringBuilder b) {
        List<Row> rest = new ArrayList<>();
        for (Row r : rows) {
            String n = r.shortName();
            if (!n.startsWith("CodecBenchmark.") && !n.startsWith("DeviceBenchmark.")) {
                rest.add(r);
            }
        }
        if (rest.isEmpty()) {
            return;
        }
        b.append("## Other benchmarks\n\n| benchmark | params | threads | score | error | unit | MB/s | alloc B/op |\n|---|---|---:|---:|---:|---|---:|---:|\n");
        for (Row r : rest) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s |%n", r.shortName(), r.paramText(), r.threads, fmt(r.score),
                    fmt(r.error), r.unit, r.unit.equals("ops/s") ? fmt(r.mbps()) : "", alloc(r)));
        }
        b.append('\n');
    }

    private void kernelSection(StringBuilder b, Map<String, Object> kernel) {
        b.append("## Against the kernel's zram, ").append(Json.at(kernel, "algorithm")).append(" (benchmarks/kernel-compare.sh)\n\n");
        b.append(String.format(Locale.ROOT, "`%s` (%d pages, every one), %s, median of %d, kernel %s, %d CPUs; load average %s at the start, %s at the end. "
                + "Both sides read the file inside their write timing: dd read(2)s each block from the page cache, jzram bench pread(2)s each "
                + "request from the same file; both read back into one reused buffer per reader. Each jzram bench round is a fresh device "
                + "on one emulated machine kept across the rounds (freed pool pages stay in the machine's free-page pool, as the kernel's "
                + "stay in its buddy allocator across zram0 resets).%n%n",
                Json.at(kernel, "file"), (int) Json.num(kernel.get("pages")), Json.at(kernel, "algorithm"), (int) Json.num(kernel.get("repeat")),
                Json.at(kernel, "kernel"), (int) Json.num(kernel.get("cpus")), Json.at(kernel, "loadStart"), Json.at(kernel, "loadEnd")));
        b.append("| config | kernel write | jzram write | ratio | kernel read | jzram read | ratio | raw codec compress | raw codec decompress | jzram write / codec |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Object o : Json.list(kernel.get("configs"))) {
            Map<String, Object> c = Json.obj(o);
            double kw = Json.num(c.get("kernelWriteMBps"));
            double jw = Json.num(c.get("jzramWriteMBps"));
            double kr = Json.num(c.get("kernelReadMBps"));
            double jr = Json.num(c.get("jzramReadMBps"));
            double cc = Json.num(c.get("codecCompressMBps"));
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.get("label"), fmt(kw), fmt(jw), fmt3(jw / kw), fmt(kr),
                    fmt(jr), fmt3(jr / kr), fmt(cc), fmt(Json.num(c.get("codecDecompressMBps"))), fmt3(jw / cc)));
        }
        Map<String, Map<String, Object>> by = new LinkedHashMap<>();
        for (Object o : Json.list(kernel.get("configs"))) {
            Map<String, Object> c = Json.obj(o);
            by.put(String.valueOf(c.get("label")), c);
        }
        StringBuilder sc = new StringBuilder();
        for (String bs : new String[] {"4k", "1M"}) {
            Map<String, Object> one = by.get("bs=" + bs + " 1 writer");
            Map<String, Object> two = by.get("bs=" + bs + " 2 writers");
            if (one != null && two != null) {
                sc.append(String.format(Locale.ROOT, "%sbs=%s kernel write x%.2f read x%.2f, jzram write x%.2f read x%.2f", sc.length() == 0 ? "" : "; ", bs,
                        ratio2(two, one, "kernelWriteMBps"), ratio2(two, one, "kernelReadMBps"), ratio2(two, one, "jzramWriteMBps"), ratio2(two, one, "jzramReadMBps")));
            }
        }
        if (sc.length() > 0) {
            b.append("\n2 writers / 1 writer (wall clock): ").append(sc).append(".\n");
        }
        StringBuilder cpu = new StringBuilder();
        for (Object o : Json.list(kernel.get("configs"))) {
            Map<String, Object> c = Json.obj(o);
            double kw = Json.num(c.get("kernelWriteCpuMBps"));
            double jw = Json.num(c.get("jzramWriteCpuMBps"));
            double kr = Json.num(c.get("kernelReadCpuMBps"));
            double jr = Json.num(c.get("jzramReadCpuMBps"));
            double cc = Json.num(c.get("codecCompressCpuMBps"));
            if (!Double.isNaN(kw) && !Double.isNaN(jw)) {
                cpu.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.get("label"), fmt(kw), fmt(jw), fmt3(jw / kw),
                        fmt(kr), fmt(jr), fmt3(jr / kr), fmt(cc), fmt3(jw / cc)));
            }
        }
        if (cpu.length() > 0) {
            b.append("\nDiagnostic, not used for any target: the same per CPU-second of the writers/readers (dd's user+system time, jzram's worker "
                    + "threads' CPU time, each divided by the number of threads):\n\n");
            b.append("| config | kernel write | jzram write | ratio | kernel read | jzram read | ratio | raw codec compress | jzram write / codec |\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n").append(cpu);
        }
        List<Object> km = listOrEmpty(kernel.get("kernelMmStat"));
        List<Object> jm = listOrEmpty(kernel.get("jzramMmStat"));
        if (km.size() == 9 && jm.size() == 9) {
            String[] names = {"orig_data_size", "compr_data_size", "mem_used_total", "mem_limit", "mem_used_max", "same_pages",
                "pages_compacted", "huge_pages", "huge_pages_since"};
            b.append("\nmm_stat after writing and reading the file (bs=4k, 1 writer):\n\n| field | kernel | jzram | jzram - kernel | difference |\n|---|---:|---:|---:|---:|\n");
            for (int i = 0; i < 9; i++) {
                long k = (long) Json.num(km.get(i));
                long j = (long) Json.num(jm.get(i));
                String pct = k == 0 ? (j == 0 ? "0 %" : "n/a") : String.format(Locale.ROOT, "%+.2f %%", 100.0 * (j - k) / k);
                b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s |%n", names[i], k, j, j - k, pct));
            }
        }
        b.append('\n');
    }

    private static double ratio2(Map<String, Object> a, Map<String, Object> b, String key) {
        return Json.num(a.get(key)) / Json.num(b.get(key));
    }

    private void memorySection(StringBuilder b) {
        Map<String, long[]> m = memory();
        if (m.isEmpty()) {
            return;
        }
        b.append("## Memory overhead: mem_used_total / compr_data_size\n\n| device | orig_data_size | compr_data_size | mem_used_total | overhead |\n|---|---:|---:|---:|---:|\n");
        m.forEach((k, v) -> b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.4f |%n", k, v[0], v[1], v[2], (double) v[2] / v[1])));
        b.append('\n');
    }

    /** device label -> {orig, compr, mem_used_total}. */
    Map<String, long[]> memory() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Map<String, Object> kernel : kernels) {
            List<Object> km = listOrEmpty(kernel.get("kernelMmStat"));
            List<Object> jm = listOrEmpty(kernel.get("jzramMmStat"));
            String alg = String.valueOf(kernel.get("algorithm"));
            if (km.size() == 9) {
                m.put("kernel " + alg, new long[] {(long) Json.num(km.get(0)), (long) Json.num(km.get(1)), (long) Json.num(km.get(2))});
            }
            if (jm.size() == 9) {
                m.put("jzram " + alg, new long[] {(long) Json.num(jm.get(0)), (long) Json.num(jm.get(1)), (long) Json.num(jm.get(2))});
            }
        }
        for (Map<String, Object> o : bench) {
            List<Object> mm = listOrEmpty(o.get("mmStat"));
            String key = "jzram " + o.get("algorithm");
            if (mm.size() == 9 && !m.containsKey(key)) {
                m.put(key, new long[] {(long) Json.num(mm.get(0)), (long) Json.num(mm.get(1)), (long) Json.num(mm.get(2))});
            }
        }
        return m;
    }

    // ------------------------------------------------------------------------------- charts

    boolean throughputVsThreads(Path png) throws IOException {
        String pages = pages();
        XYSeriesCollection data = new XYSeriesCollection();
        addSeries(data, "jzram device write (JMH)", byThreads("DeviceBenchmark.write", "pages", pages, "pattern", "seq", "storm", "0", "algorithm", "lz4"));
        addSeries(data, "jzram device read (JMH)", byThreads("DeviceBenchmark.read", "pages", pages, "pattern", "seq", "storm", "0", "algorithm", "lz4"));
        addSeries(data, "raw lz4 compress (JMH)", byThreads("CodecBenchmark.compress", "pages", pages, "algorithm", "lz4"));
        addSeries(data, "raw lz4 decompress (JMH)", byThreads("CodecBenchmark.decompress", "pages", pages, "algorithm", "lz4"));
        int jmhSeries = data.getSeriesCount();
        Map<String, Object> kernel = kernel();
        if (kernel != null) {
            XYSeries kw = new XYSeries("kernel zram write (dd bs=1M)");
            XYSeries kr = new XYSeries("kernel zram read (dd bs=1M)");
            XYSeries jw = new XYSeries("jzram bench write (bs=1M)");
            XYSeries jr = new XYSeries("jzram bench read (bs=1M)");
            for (Object o : Json.list(kernel.get("configs"))) {
                Map<String, Object> c = Json.obj(o);
                if ((int) Json.num(c.get("blockSize")) == 1 << 20) {
                    int t = (int) Json.num(c.get("threads"));
                    kw.add(t, Json.num(c.get("kernelWriteMBps")));
                    kr.add(t, Json.num(c.get("kernelReadMBps")));
                    jw.add(t, Json.num(c.get("jzramWriteMBps")));
                    jr.add(t, Json.num(c.get("jzramReadMBps")));
                }
            }
            for (XYSeries s : new XYSeries[] {kw, kr, jw, jr}) {
                if (s.getItemCount() > 0) {
                    data.addSeries(s);
                }
            }
        }
        if (data.getSeriesCount() == 0) {
            skipped.add("throughput-vs-threads.png (no DeviceBenchmark/CodecBenchmark rows and no kernel-compare)");
            return false;
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Throughput vs threads, 4 KiB pages" + (pages.isEmpty() ? "" : " (" + shortPages(pages) + ")"),
                "threads", "MB/s (10^6 bytes)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        style(chart);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        // JMH: device write/read (blue, green), raw lz4 (orange, red); kernel dd (greys); jzram bench (light blue, light green)
        Color[] colors = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0xd62728), new Color(0x7f7f7f),
            new Color(0x303030), new Color(0x6baed6), new Color(0x74c476)};
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, colors[i % colors.length]);
            r.setSeriesStroke(i, i < jmhSeries ? new BasicStroke(2.2f)
                    : new BasicStroke(1.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f));
        }
        plot.setRenderer(r);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        return true;
    }

    private static void addSeries(XYSeriesCollection data, String name, Map<Integer, Row> m) {
        if (m.isEmpty()) {
            return;
        }
        XYSeries s = new XYSeries(name);
        m.forEach((t, r) -> s.add(t.doubleValue(), r.mbps()));
        data.addSeries(s);
    }

    boolean versusKernel(Path png) throws IOException {
        Map<String, Object> kernel = kernel();
        if (kernel == null) {
            skipped.add("jzram-vs-codec-vs-kernel.png (no kernel-compare results)");
            return false;
        }
        DefaultCategoryDataset w = new DefaultCategoryDataset();
        DefaultCategoryDataset r = new DefaultCategoryDataset();
        String alg = String.valueOf(kernel.get("algorithm"));
        for (Object o : Json.list(kernel.get("configs"))) {
            Map<String, Object> c = Json.obj(o);
            String label = String.valueOf(c.get("label"));
            w.addValue(Json.num(c.get("kernelWriteMBps")), "kernel zram (dd)", label);
            w.addValue(Json.num(c.get("jzramWriteMBps")), "jzram bench", label);
            w.addValue(Json.num(c.get("codecCompressMBps")), "raw " + alg + " codec", label);
            r.addValue(Json.num(c.get("kernelReadMBps")), "kernel zram (dd)", label);
            r.addValue(Json.num(c.get("jzramReadMBps")), "jzram bench", label);
            r.addValue(Json.num(c.get("codecDecompressMBps")), "raw " + alg + " codec", label);
        }
        CategoryAxis axis = new CategoryAxis("configuration (request size, writers/readers)");
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(axis);
        plot.add(barPlot(w, "write MB/s"), 1);
        CategoryPlot reads = barPlot(r, "read MB/s");
        for (int i = 0; i < r.getRowCount(); i++) {
            reads.getRenderer().setSeriesVisibleInLegend(i, false); // the write plot's legend names the same series
        }
        plot.add(reads, 1);
        JFreeChart chart = new JFreeChart("jzram vs raw " + alg + " vs the kernel's zram, " + shortPages(String.valueOf(kernel.get("file"))),
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        style(chart);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, 700);
        return true;
    }

    boolean memoryOverhead(Path png) throws IOException {
        Map<String, long[]> m = memory();
        if (m.isEmpty()) {
            skipped.add("memory-overhead.png (no mm_stat from kernel-compare or jzram bench)");
            return false;
        }
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        m.forEach((k, v) -> d.addValue((double) v[2] / v[1], "mem_used_total / compr_data_size", k));
        BarRenderer br = new BarRenderer() {
            @Override
            public java.awt.Paint getItemPaint(int row, int column) { // the kernel's bar grey, jzram's blue
                return String.valueOf(d.getColumnKey(column)).startsWith("kernel") ? new Color(0x7f7f7f) : new Color(0x1f77b4);
            }
        };
        br.setBarPainter(new StandardBarPainter());
        br.setShadowVisible(false);
        br.setMaximumBarWidth(0.12);
        br.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.000")));
        br.setDefaultItemLabelsVisible(true);
        CategoryPlot plot = new CategoryPlot(d, new CategoryAxis("device and algorithm (same pages)"), new NumberAxis("mem_used_total / compr_data_size"), br);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.GRAY);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(false);
        y.setRange(1.0, Math.max(1.1, m.values().stream().mapToDouble(v -> (double) v[2] / v[1]).max().orElse(1.1) * 1.02));
        JFreeChart chart = new JFreeChart("Pool overhead: mem_used_total / compr_data_size (kernel grey, jzram blue)",
                JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        style(chart);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, 480);
        return true;
    }

    private static CategoryPlot barPlot(DefaultCategoryDataset data, String rangeLabel) {
        BarRenderer r = new BarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        Color[] colors = {new Color(0x7f7f7f), new Color(0x1f77b4), new Color(0xff7f0e)};
        for (int i = 0; i < colors.length; i++) {
            r.setSeriesPaint(i, colors[i]);
        }
        CategoryPlot p = new CategoryPlot(data, new CategoryAxis(), new NumberAxis(rangeLabel), r);
        p.setRangeGridlinePaint(Color.GRAY);
        p.setBackgroundPaint(Color.WHITE);
        return p;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        if (chart.getPlot() instanceof XYPlot p) {
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(Color.LIGHT_GRAY);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
    }

    private static String shortPages(String p) {
        String s = p.startsWith("file:") ? p.substring(5) : p;
        int slash = s.lastIndexOf('/');
        return slash >= 0 ? s.substring(slash + 1) : s;
    }

    private static List<Object> listOrEmpty(Object o) {
        return o instanceof List<?> ? Json.list(o) : List.of();
    }

    private static String mb(Row r) {
        return r == null ? "-" : fmt(r.mbps());
    }

    private static String ratio(Row a, Row b) {
        return a == null || b == null ? "-" : fmt3(a.score / b.score);
    }

    private static String scale(Row one, Row two) {
        return one == null || two == null ? "-" : String.format(Locale.ROOT, "%.2f", two.score / one.score);
    }

    private static String cores(Row r) {
        return r == null || Double.isNaN(r.cpuCores) ? "-" : String.format(Locale.ROOT, "%.2f", r.cpuCores);
    }

    private static String alloc(Row r) {
        return r == null || Double.isNaN(r.allocPerOp) ? "-" : String.format(Locale.ROOT, "%.2f", r.allocPerOp);
    }

    private static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "-";
        }
        return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.0f", d) : Math.abs(d) >= 1 ? String.format(Locale.ROOT, "%.2f", d)
                : String.format(Locale.ROOT, "%.4f", d);
    }

    private static String fmt3(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "-";
    }

    @Override
    public String toString() {
        return "Charts[" + rows.size() + " JMH rows, " + kernels.size() + " kernel comparisons, " + bench.size() + " bench runs, " + Objects.toString(machine) + "]";
    }
}
