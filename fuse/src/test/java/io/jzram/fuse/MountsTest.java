// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.fuse.sys.MountEntry;
import io.jzram.fuse.sys.Mounts;
import io.jzram.fuse.sys.NativeException;
import io.jzram.kernel.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The mount helpers on a fresh temporary directory of the host namespace. */
@Timeout(60)
class MountsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void assumptions() {
        Host.assumeRoot();
    }

    @AfterEach
    void nothingLeft() throws Exception {
        Host.assertNothingLeft(dir);
    }

    @Test
    void tmpfsBindPrivateAndDetach() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Mounts.mountTmpfs(a, "size=1m,mode=700");
        Files.writeString(a.resolve("f"), "in the tmpfs\n");
        Mounts.bind(a, b, false);
        Mounts.makePrivate(b, false);
        assertThat(Files.readString(b.resolve("f"))).isEqualTo("in the tmpfs\n");
        MountEntry top = Mounts.top(b).orElseThrow();
        assertThat(top.fsType()).isEqualTo("tmpfs");
        assertThat(top.propagates()).isFalse();
        assertThat(Mounts.under(dir)).hasSize(2);
        // a file bind mount over another file, as a later /dev/zramN or /sys file would be
        Path file = Files.writeString(dir.resolve("file"), "plain\n");
        Mounts.bind(a.resolve("f"), file, false);
        assertThat(Files.readString(file)).isEqualTo("in the tmpfs\n");
        assertThat(Mounts.detach(file)).isTrue();
        assertThat(Files.readString(file)).isEqualTo("plain\n");
        assertThat(Mounts.detach(b)).isTrue();
        assertThat(Mounts.detach(a)).isTrue();
        assertThat(Mounts.detach(a)).as("nothing mounted any more").isFalse();
        assertThat(Mounts.under(dir)).isEmpty();
    }

    @Test
    void failuresCarryTheErrno() {
        assertThatThrownBy(() -> Mounts.mount("none", dir.resolve("missing"), "tmpfs", 0, null))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("ENOENT (No such file or directory)")
                .satisfies(e -> assertThat(((NativeException) e).errno()).isEqualTo(Errno.ENOENT.number()));
        assertThatThrownBy(() -> Mounts.unmount(dir)).isInstanceOf(NativeException.class).hasMessageContaining("EINVAL");
    }
}
