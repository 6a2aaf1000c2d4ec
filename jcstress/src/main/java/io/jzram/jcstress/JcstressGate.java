// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.jcstress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.TestGrading;

/**
 * The jar's entry point: runs jcstress with the given options (the same as {@code jcstress.jar}'s),
 * then reads its result file back and turns it into an exit status, which jcstress itself does not
 * give in a status (it throws on a failed test, and says nothing of a test that did not run): 0
 * when every matching test ran, in every JVM configuration, with samples and without a
 * FORBIDDEN outcome or an error; 1 otherwise. It prints one line per test with the samples and the
 * count of every outcome, and writes the same to {@code jcstress-summary.txt} next to the report.
 *
 * <p>jcstress starts each forked VM with this VM's own arguments first, so the module flags the
 * pool's and the streams' off-heap memory needs ({@code java @jzram.jvmopts -jar jcstress.jar})
 * reach the forks.
 */
public final class JcstressGate {

    private JcstressGate() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs and grades; returns the exit status. */
    static int run(String[] args, PrintStream out) throws Exception {
        List<String> all = Arrays.asList(args);
        Options opts = new Options(all.toArray(new String[0]));
        if (!opts.parse()) {
            return 1;
        }
        JCStress jcstress = new JCStress(opts);
        if (opts.shouldList() || opts.shouldParse()) {
            jcstress.run();
            return 0;
        }
        SortedSet<String> planned = jcstress.getTests();
        String jcstressVerdict = null;
        try {
            jcstress.run();
        } catch (AssertionError e) {
            // jcstress's own exception report throws when a test failed; the gate reports it below
            jcstressVerdict = e.getMessage();
        }
        InProcessCollector results = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(opts.getResultFile(), results);
        try {
            reader.dump();
        } finally {
            reader.close();
        }
        List<String> lines = new ArrayList<>();
        int status = grade(planned, results, lines);
        if (jcstressVerdict != null && status == 0) {
            lines.add("jcstress gate: FAILED (jcstress: " + jcstressVerdict.lines().findFirst().orElse("") + ")");
            status = 1;
        }
        out.println();
        out.println("== jzram jcstress gate (mode " + mode(all) + ")");
        lines.forEach(out::println);
        Path summary = Path.of(opts.getResultDest()).resolve("jcstress-summary.txt");
        try {
            Files.createDirectories(summary.getParent());
            Files.write(summary, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            out.println("(could not write " + summary + ": " + e + ")");
        }
        return status;
    }

    private static String mode(List<String> args) {
        int i = args.indexOf("-m");
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : "default";
    }

    /** Per test: configurations run, samples, outcome counts; the verdict. */
    static int grade(SortedSet<String> planned, InProcessCollector results, List<String> lines) {
        Map<String, List<TestResult>> byTest = new TreeMap<>();
        for (TestResult r : results.getTestResults()) {
            byTest.computeIfAbsent(r.getName(), k -> new ArrayList<>()).add(r);
        }
        List<String> problems = new ArrayList<>();
        long totalSamples = 0;
        for (String test : planned) {
            List<TestResult> rs = byTest.getOrDefault(test, List.of());
            if (rs.isEmpty()) {
                problems.add(test + ": did not run");
                continue;
            }
            Map<String, long[]> counts = new TreeMap<>();
            Map<String, Expect> expects = new TreeMap<>();
            long samples = 0;
            int failedConfigs = 0;
            boolean interesting = false;
            for (TestResult r : rs) {
                if (r.status() != Status.NORMAL) {
                    problems.add(test + ": " + r.status() + " " + String.join(" / ", r.getMessages()));
                    failedConfigs++;
                    continue;
                }
                TestGrading g = r.grading();
                if (!g.isPassed) {
                    failedConfigs++;
                    problems.add(test + ": " + String.join("; ", g.failureMessages));
                }
                interesting |= g.hasInteresting;
                for (GradingResult gr : g.gradingResults.values()) {
                    counts.computeIfAbsent(gr.id, k -> new long[1])[0] += gr.count;
                    expects.put(gr.id, gr.expect);
                }
                samples += r.getTotalCount();
            }
            if (samples == 0 && failedConfigs == 0) {
                problems.add(test + ": no samples");
            }
            totalSamples += samples;
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%-4s %s: %d configs, %d samples;", failedConfigs == 0 ? "OK" : "FAIL",
                    shortName(test), rs.size(), samples));
            counts.forEach((id, c) -> sb.append(String.format(Locale.ROOT, " [%s] %s %d;", id, label(expects.get(id)), c[0])));
            if (interesting) {
                sb.append(" (interesting outcome seen)");
            }
            lines.add(sb.toString());
        }
        lines.add(String.format(Locale.ROOT, "%d tests planned, %d ran, %d samples in all", planned.size(), byTest.size(), totalSamples));
        if (problems.isEmpty()) {
            lines.add("jcstress gate: PASSED");
            return 0;
        }
        lines.add("jcstress gate: FAILED");
        problems.forEach(p -> lines.add("  " + p));
        return 1;
    }

    private static String label(Expect e) {
        if (e == null) {
            return "?";
        }
        return switch (e) {
            case ACCEPTABLE -> "ok";
            case ACCEPTABLE_INTERESTING -> "interesting";
            case FORBIDDEN -> "FORBIDDEN";
            default -> e.name();
        };
    }

    private static String shortName(String test) {
        int i = test.lastIndexOf('.');
        int j = i < 0 ? -1 : test.lastIndexOf('.', i - 1);
        return j < 0 ? test : test.substring(j + 1);
    }
}
