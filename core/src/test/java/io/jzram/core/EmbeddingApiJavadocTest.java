// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding API's Javadoc is complete: javadoc with every doclint check on (missing comments,
 * {@code @param}/{@code @return}/{@code @throws}, broken references, HTML) reports nothing for the
 * types an embedder uses. The list is the surface the README's Embedding section teaches; a type
 * added to that surface belongs here.
 */
class EmbeddingApiJavadocTest {

    /** Source files of the embedding surface, relative to the repository root. */
    static final List<String> SURFACE = List.of(
            "core/src/main/java/io/jzram/core/ZramDevice.java",
            "core/src/main/java/io/jzram/core/ZramBuilder.java",
            "core/src/main/java/io/jzram/core/ZramHostOptions.java",
            "core/src/main/java/io/jzram/core/MmStat.java",
            "core/src/main/java/io/jzram/core/IoStat.java",
            "core/src/main/java/io/jzram/core/DebugStat.java",
            "core/src/main/java/io/jzram/core/BdStat.java",
            "core/src/main/java/io/jzram/core/BlockStat.java",
            "core/src/main/java/io/jzram/core/ZramMemory.java",
            "core/src/main/java/io/jzram/core/WritebackRequest.java",
            "core/src/main/java/io/jzram/core/WritebackType.java",
            "core/src/main/java/io/jzram/core/RecompressRequest.java",
            "core/src/main/java/io/jzram/core/RecompressType.java",
            "core/src/main/java/io/jzram/core/JvmAccess.java",
            "core/src/main/java/io/jzram/core/backend/ZcompParams.java",
            "kernel/src/main/java/io/jzram/kernel/block/BlockDevice.java",
            "kernel/src/main/java/io/jzram/kernel/Errno.java",
            "kernel/src/main/java/io/jzram/kernel/ErrnoException.java",
            "kernel/src/main/java/io/jzram/kernel/ErrnoIOException.java");

    @Test
    void everyPublicTypeAndMemberIsDocumented(@TempDir Path out) throws Exception {
        Path root = repositoryRoot();
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager files = javadoc.getStandardFileManager(null, null, null)) {
            List<Path> sources = new ArrayList<>();
            for (String s : SURFACE) {
                sources.add(root.resolve(s));
            }
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            List<String> options = List.of("-Xdoclint:all", "-Xmaxwarns", "100000", "-Xmaxerrs", "100000", "-quiet", "-d", out.toString(),
                    "-sourcepath", root.resolve("core/src/main/java") + ":" + root.resolve("kernel/src/main/java") + ":"
                            + root.resolve("hotplug/src/main/java"),
                    "-classpath", System.getProperty("java.class.path"));
            boolean ok = javadoc.getTask(diagnostics, files, null, null, options, units).call();
            String report = diagnostics.toString();
            assertThat(report).as("javadoc's warnings and errors on the embedding API").doesNotContain("warning:").doesNotContain("error:");
            assertThat(ok).as(report).isTrue();
        }
    }

    private static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("core/pom.xml")) && Files.isRegularFile(d.resolve("kernel/pom.xml"))) {
                return d;
            }
        }
        throw new AssertionError("no repository root above " + Path.of("").toAbsolutePath());
    }
}
