// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import static io.jzram.sysfs.MachineFileApiTest.errnoOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /sys/devices/system/cpu against the formats of the project's real 6.18 machines. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CpuSysfsTest {

    private static final String CPU = "/sys/devices/system/cpu/";
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

    @Test
    void masksInTheKernelsRangeFormat() {
        assertThat(m.cat(CPU + "possible")).isEqualTo("0-3\n");
        assertThat(m.cat(CPU + "present")).isEqualTo("0-3\n");
        assertThat(m.cat(CPU + "online")).isEqualTo("0-3\n");
        assertThat(m.cat(CPU + "offline")).isEqualTo("\n");
        m.writeString(CPU + "cpu1/online", "0\n");
        assertThat(m.cat(CPU + "online")).isEqualTo("0,2-3\n");
        assertThat(m.cat(CPU + "offline")).isEqualTo("1\n");
        m.writeString(CPU + "cpu2/online", "0");
        assertThat(m.cat(CPU + "online")).isEqualTo("0,3\n");
        assertThat(m.cat(CPU + "offline")).isEqualTo("1-2\n");
        assertThat(m.cat(CPU + "cpu1/online")).isEqualTo("0\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/state")).isEqualTo("0\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/target")).isEqualTo("0\n");
        m.writeString(CPU + "cpu1/online", "1");
        m.writeString(CPU + "cpu2/online", "y");
        assertThat(m.cat(CPU + "online")).isEqualTo("0-3\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/state")).isEqualTo("236\n");
        assertThat(CpuSysfs.rangeList(java.util.BitSet.valueOf(new long[] {0b1011_0111L}))).isEqualTo("0-2,4-5,7\n");
    }

    @Test
    void perCpuFilesModesAndCpu0() {
        assertThat(m.ls(CPU + "cpu0")).containsExactly("hotplug");
        assertThat(m.ls(CPU + "cpu1")).containsExactly("hotplug", "online");
        assertThat(m.ls(CPU + "cpu1/hotplug")).containsExactly("fail", "state", "target");
        assertThat(m.stat(CPU + "cpu1/online").modeString()).isEqualTo("-rw-r--r--");
        assertThat(m.stat(CPU + "cpu1/hotplug/state").modeString()).isEqualTo("-r--r--r--");
        assertThat(m.stat(CPU + "cpu1/hotplug/target").modeString()).isEqualTo("-rw-r--r--");
        assertThat(m.stat(CPU + "cpu1/hotplug/fail").modeString()).isEqualTo("-rw-r--r--");
        assertThat(m.stat(CPU + "hotplug/states").modeString()).isEqualTo("-r--r--r--");
        assertThat(m.cat(CPU + "cpu1/hotplug/state")).isEqualTo("236\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/target")).isEqualTo("236\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/fail")).isEqualTo("-1\n");
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu0/online", "0"))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/online", "2"))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/state", "0"))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> m.writeString(CPU + "online", "0-1"))).isEqualTo(Errno.EACCES);
    }

    @Test
    void targetAndFailWithTheKernelsErrnos() {
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/target", "100"))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/target", "300"))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/target", "x"))).isEqualTo(Errno.EINVAL);
        m.writeString(CPU + "cpu3/hotplug/target", "0");
        assertThat(m.cat(CPU + "cpu3/online")).isEqualTo("0\n");
        m.writeString(CPU + "cpu3/hotplug/target", "236");
        assertThat(m.cat(CPU + "cpu3/online")).isEqualTo("1\n");
        // a state without callbacks cannot be armed; a registered one fails once with EAGAIN
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/fail", "200"))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/hotplug/fail", "237"))).isEqualTo(Errno.EINVAL);
        int state = m.hotplug().setupState(CpuhpState.AP_ONLINE_DYN, "test:online", null, cpu -> { }, cpu -> { });
        m.writeString(CPU + "cpu1/hotplug/fail", Integer.toString(state));
        assertThat(m.cat(CPU + "cpu1/hotplug/fail")).isEqualTo(state + "\n");
        assertThat(errnoOf(() -> m.writeString(CPU + "cpu1/online", "0"))).isEqualTo(Errno.EAGAIN);
        assertThat(m.cat(CPU + "cpu1/online")).isEqualTo("1\n");
        assertThat(m.cat(CPU + "cpu1/hotplug/fail")).isEqualTo("-1\n");
        assertThat(m.cat(CPU + "hotplug/states")).contains(String.format("%3d: test:online%n", state)).startsWith("  0: offline\n")
                .endsWith("236: online\n");
        m.writeString(CPU + "cpu1/online", "0");
        assertThat(m.cat(CPU + "cpu1/online")).isEqualTo("0\n");
    }
}
