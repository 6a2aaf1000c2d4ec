// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pages a benchmark works on, the state the page benchmarks share (a benchmark's own states
 * take it as a parameter of their setup): {@code count} pages of {@link PageSource} spec
 * {@code pages}, loaded once per trial with seed 42. {@code count=all} (the default) is every
 * whole page of a {@code file:} source (the 128 MiB corpus: 32,768 pages) and 2,048 pages (8 MiB)
 * of a generated one; a number asks for that many (a file's first pages, cycled if it is shorter).
 * {@link #pageCount} is the number in force, and the setup prints it.
 */
@State(Scope.Benchmark)
public class BenchPages {
    static final int PAGE = PageSource.PAGE;

    /** See {@link PageSource}: mix, zero, same, text, records, random, mix:KIND=P,..., file:PATH. */
    @Param({"mix"})
    public String pages;

    /** Percent of random bytes in the generated mix's text and struct pages. */
    @Param({"4"})
    public int noisePercent;

    /**
     * Pages in the working set (per thread, where threads work on ranges of a device): {@code all}
     * (every page of a file, 2048 generated pages) or a number.
     */
    @Param({"all"})
    public String count;

    ByteBuffer source;
    /** The number of pages {@link #count} resolved to. */
    int pageCount;

    @Setup(Level.Trial)
    public void load() throws IOException {
        pageCount = PageSource.resolveCount(pages, count);
        source = PageSource.load(pages, pageCount, noisePercent, 42);
        System.out.printf("%n[pages %s: %d pages (count=%s)]%n", pages, pageCount, count);
    }

    /** One view per page (position 0, limit 4096), so a benchmark operation allocates nothing. */
    ByteBuffer[] views() {
        return PageSource.views(source, pageCount);
    }
}
