// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.PrivateMountNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM re-executed through {@link PrivateMountNamespace}: what it mounts, the parent never sees. */
@Timeout(120)
class PrivateMountNamespaceTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @AfterEach
    void nothingLeft() throws Exception {
        if (Host.isRoot()) {
            Host.assertNothingLeft(dir);
        }
    }

    private static ProcessBuilder child(PrivateMountNamespace ns, String... args) {
        return ns.processBuilder(PrivateMountNamespace.javaCommand(NamespaceChild.class.getName(), List.of(args)))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
    }

    @Test
    void aTmpfsMountedByTheChildStaysInItsNamespace() throws Exception {
        Host.assumeRoot();
        Host.assumeUnshare();
        PrivateMountNamespace ns = PrivateMountNamespace.create();
        assertThat(ns.isInside()).as("the test JVM itself is not inside").isFalse();
        Path target = Files.createDirectory(dir.resolve("target"));
        Host.Result r = Host.run(T, child(ns, "tmpfs", target.toString())).ok();
        assertThat(r.out()).startsWith("mounted MountEntry[").contains("fsType=tmpfs").contains("mountPoint=" + target);
        assertThat(Mounts.at(target)).as("the parent's mount table").isEmpty();
        assertThat(target.resolve("probe")).as("the file written into the child's tmpfs").doesNotExist();
        try (var s = Files.list(target)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void theMarkerAloneDoesNotMakeAProcessInside() throws Exception {
        Host.assumeUnshare();
        PrivateMountNamespace ns = PrivateMountNamespace.create();
        ProcessBuilder plain = new ProcessBuilder(PrivateMountNamespace.javaCommand(NamespaceChild.class.getName(), List.of("where")));
        plain.environment().put(ns.marker(), PrivateMountNamespace.currentNamespace());
        assertThat(Host.run(T, plain).ok().out()).isEqualTo("outside\n");
        Host.assumeRoot();
        assertThat(Host.run(T, child(ns, "where")).ok().out()).isEqualTo("inside\n");
    }

    @Test
    void runReturnsTheChildsExitStatus() throws Exception {
        Host.assumeRoot();
        Host.assumeUnshare();
        PrivateMountNamespace ns = PrivateMountNamespace.create();
        assertThat(ns.run(PrivateMountNamespace.javaCommand(NamespaceChild.class.getName(), List.of("exit", "3")))).isEqualTo(3);
        assertThat(ns.wrap(List.of("true"))).endsWith("--mount", "--propagation", "private", "--", "true");
        assertThat(PrivateMountNamespace.currentCommandLine()).hasValueSatisfying(c -> assertThat(c.get(0)).endsWith("java"));
    }
}
