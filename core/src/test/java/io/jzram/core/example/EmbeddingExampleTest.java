// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.MmStat;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the README's embedding example and checks that the README quotes it as it is. */
@Timeout(60)
class EmbeddingExampleTest {

    @Test
    void exampleRunsAndGivesEverythingBack() throws Exception {
        BackgroundResourceReleaser.releasePendingResources();
        long before = OS.memory().nativeMemoryUsed();
        MmStat s = EmbeddingExample.run();
        assertThat(s.origDataSize()).isEqualTo(991L * 4096);
        assertThat(s.samePages()).isEqualTo(1);
        assertThat(s.memUsedTotal()).isPositive().isLessThan(s.origDataSize() / 10);
        BackgroundResourceReleaser.releasePendingResources();
        assertThat(OS.memory().nativeMemoryUsed()).as("native memory after close").isEqualTo(before);
    }

    @Test
    void readmeQuotesTheExample() throws Exception {
        Path readme = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isReadable(d.resolve("README.md")) && Files.isDirectory(d.resolve("core"))) {
                readme = d.resolve("README.md");
                break;
            }
        }
        Path src = Path.of("src/test/java/io/jzram/core/example/EmbeddingExample.java");
        if (readme == null || !Files.isReadable(src)) {
            return; // not run from the source tree
        }
        String code = Files.readString(src);
        String quoted = code.substring(code.indexOf("// README-BEGIN\n") + 16, code.indexOf("    // README-END"));
        String text = Files.readString(readme);
        assertThat(text).as("README.md quotes EmbeddingExample.run()").contains(quoted.stripTrailing().stripIndent().strip());
    }
}
