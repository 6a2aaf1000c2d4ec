// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.fuse.sys.DeviceNodes;
import io.jzram.fuse.sys.MountEntry;
import io.jzram.kernel.Errno;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value types and encodings, without a kernel. */
class ValuesTest {
    @Test
    void mountinfoLinesParse() {
        MountEntry m = MountEntry.parse(
                "41 26 0:38 / /tmp/a\\040b rw,nosuid,nodev,relatime shared:7 master:2 - fuse.jzram jzram rw,user_id=0,group_id=0");
        assertThat(m.id()).isEqualTo(41);
        assertThat(m.parentId()).isEqualTo(26);
        assertThat(m.device()).isEqualTo("0:38");
        assertThat(m.mountPoint()).isEqualTo(Path.of("/tmp/a b"));
        assertThat(m.tags()).isEqualTo(List.of("shared:7", "master:2"));
        assertThat(m.fsType()).isEqualTo("fuse.jzram");
        assertThat(m.source()).isEqualTo("jzram");
        assertThat(m.propagates()).isTrue();
        assertThat(MountEntry.parse("22 26 0:21 / /sys rw,relatime - sysfs sysfs rw").propagates()).isFalse();
    }

    @Test
    void deviceNumbersUseGlibcsEncoding() {
        assertThat(DeviceNodes.makedev(7, 3)).isEqualTo(0x703);
        assertThat(DeviceNodes.makedev(252, 0)).isEqualTo(0xfc00);
        long big = DeviceNodes.makedev(259, 1_000_000);
        assertThat(DeviceNodes.major(big)).isEqualTo(259);
        assertThat(DeviceNodes.minor(big)).isEqualTo(1_000_000);
    }

    @Test
    void errnosHaveGlibcsTexts() {
        assertThat(Errno.EBUSY.text()).isEqualTo("Device or resource busy");
        assertThat(Errno.describe(Errno.ENODEV.number())).isEqualTo("ENODEV (No such device)");
        assertThat(Errno.describe(200)).isEqualTo("errno 200");
        assertThat(new FsException(Errno.EINVAL).getMessage()).isEqualTo("EINVAL (Invalid argument)");
        assertThatThrownBy(() -> new FsException(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void attributesAndEntriesAreChecked() {
        assertThat(FileAttr.symlink("../devices/zram0", 0).size()).isEqualTo(16);
        assertThat(FileAttr.directory(0755, 0).isDirectory()).isTrue();
        assertThatThrownBy(() -> new FileAttr(0644, 0, 1, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DirEntry("a/b", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DirEntry("..", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(OpenFlags.writable(OpenFlags.O_WRONLY | OpenFlags.O_APPEND)).isTrue();
        assertThat(OpenFlags.readable(OpenFlags.O_WRONLY)).isFalse();
    }

    @Test
    void optionsAreChecked() {
        assertThat(FuseOptions.defaults().maxPages()).isEqualTo(256);
        assertThatThrownBy(() -> FuseOptions.builder().maxWrite(1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FuseOptions.builder().subtype("a,b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FuseOptions.builder().threads(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
