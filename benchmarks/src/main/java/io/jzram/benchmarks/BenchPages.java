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
 * {@code pages}, loaded once per trial with seed 42.
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

    /** Pages in the working set (per thread, where threads work on ranges of a device). */
    @Param({"2048"})
    public int count;

    ByteBuffer source;

    @Setup(Level.Trial)
    public void load() throws IOException {
        source = PageSource.load(pages, count, noisePercent, 42);
    }

    /** One view per page (position 0, limit 4096), so a benchmark operation allocates nothing. */
    ByteBuffer[] views() {
        return PageSource.views(source, count);
    }
}
