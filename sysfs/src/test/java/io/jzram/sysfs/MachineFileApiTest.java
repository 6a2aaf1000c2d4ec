// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MachineFileApiTest {

    private Machine m;
    private long marker;

    @BeforeEach
    void boot() {
        m = Machine.builder().cpus(4).build();
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("no error");
    }

    @Test
    void rootAndStandardDirectories() {
        assertThat(m.ls("/")).containsExactly("dev", "sys");
        assertThat(m.ls("/sys")).contains("block", "class", "devices", "kernel");
        assertThat(m.ls("/sys/class")).contains("block", "misc");
        assertThat(m.ls("/sys/devices")).contains("system", "virtual");
        assertThat(m.ls("/dev")).containsExactly("null", "zero");
        assertThat(m.stat("/sys/block").type()).isEqualTo(FileStat.Type.DIRECTORY);
        assertThat(m.stat("/sys/block").modeString()).isEqualTo("drwxr-xr-x");
    }

    @Test
    void devZeroAndNull() {
        try (MachineFile z = m.open("/dev/zero")) {
            byte[] b = new byte[100];
            b[5] = 9;
            assertThat(z.read(b)).isEqualTo(100);
            assertThat(b).containsOnly(0);
        }
        assertThat(m.readFile("/dev/null")).isEmpty();
        assertThat(m.write("/dev/null", new byte[10])).isEqualTo(10);
        FileStat st = m.stat("/dev/zero");
        assertThat(st.type()).isEqualTo(FileStat.Type.CHAR_DEVICE);
        assertThat(st.major()).isEqualTo(1);
        assertThat(st.minor()).isEqualTo(5);
        assertThat(st.modeString()).isEqualTo("crw-rw-rw-");
    }

    @Test
    void lookupErrors() {
        assertThat(errnoOf(() -> m.cat("/sys/nope"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> m.cat("/nope"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> m.cat("/sys/devices/system/cpu/online/x"))).isEqualTo(Errno.ENOTDIR);
        assertThat(errnoOf(() -> m.cat("/sys/devices/system/cpu/online/"))).isEqualTo(Errno.ENOTDIR);
        assertThat(errnoOf(() -> m.writeString("/sys/devices", "1"))).isEqualTo(Errno.EISDIR);
        assertThat(errnoOf(() -> m.cat("/sys/devices"))).isEqualTo(Errno.EISDIR);
        assertThat(errnoOf(() -> m.readlink("/sys/devices"))).isEqualTo(Errno.EINVAL);
        // sysfs cannot create files: O_CREAT on a missing name in an existing directory is EACCES
        assertThat(errnoOf(() -> m.writeString("/sys/block/new_file", "1"))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> m.writeString("/sys/nodir/new_file", "1"))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> m.open("/sys/devices/system/cpu/online", OpenFlag.DIRECTORY))).isEqualTo(Errno.ENOTDIR);
    }

    @Test
    void dotDotAndRelativePaths() {
        assertThat(m.cat("/sys/devices/system/../system/cpu/./possible")).isEqualTo("0-3\n");
        assertThat(m.cat("sys/devices/system/cpu/possible")).isEqualTo("0-3\n");
        assertThat(m.ls("/sys/..")).containsExactly("dev", "sys");
    }
}
