// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BenchFlagsTest {

    @Test
    void forkFlagsAreTheRootPomsJvmFlags() throws Exception {
        Properties p = new Properties();
        try (InputStream in = BenchFlagsTest.class.getResourceAsStream("/jvm-flags.properties")) {
            p.load(in);
        }
        String pom = p.getProperty("flags").trim();
        assertThat(pom).doesNotContain("${");
        assertThat(String.join(" ", BenchFlags.all())).isEqualTo(pom.replaceAll("\\s+", " "));
    }

    @Test
    void generatedMixCompressesLikeTheCorpus() throws Exception {
        ByteBuffer pages = PageSource.load("mix", 1024, 4, 42);
        var c = net.jpountz.lz4.LZ4Factory.fastestInstance().fastCompressor();
        ByteBuffer out = ByteBuffer.allocateDirect(8192);
        long total = 0;
        for (int i = 0; i < 1024; i++) {
            total += Math.min(4096, c.compress(pages, i * 4096, 4096, out, 0, 8192));
        }
        double ratio = (double) total / (1024 * 4096);
        System.out.printf("generated mix: lz4 ratio %.3f%n", ratio);
        assertThat(ratio).isBetween(0.35, 0.75);
    }
}
