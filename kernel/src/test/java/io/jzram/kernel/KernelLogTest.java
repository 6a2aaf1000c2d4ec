// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelLogTest {

    @Test
    void printsLikeDmesgAndScansSinceMarker() {
        try (Kernel k = Kernel.boot()) {
            KernelLog log = k.log();
            log.prefixed("zram").info("Added device: zram0");
            long marker = log.marker();
            assertThat(log.scan(marker).clean()).isTrue();
            log.warnSplat("kernel/cpu.c:2385 __cpuhp_remove_state_cpuslocked", "Error: Removing state 57 which has instances left.");
            String dmesg = log.dmesg();
            assertThat(dmesg).matches("(?s)\\[ {0,4}\\d+\\.\\d{6}\\] zram: Added device: zram0\n.*");
            assertThat(dmesg).contains("------------[ cut here ]------------\n")
                    .contains("] Error: Removing state 57 which has instances left.\n")
                    .contains("] WARNING: CPU: 0 PID: ")
                    .contains(" at kernel/cpu.c:2385 __cpuhp_remove_state_cpuslocked+")
                    .contains("---[ end trace 0000000000000000 ]---");
            KernelLog.Scan scan = log.scan(marker);
            assertThat(scan.count(SplatKind.WARNING)).isEqualTo(1);
            assertThat(scan.hits()).hasSize(1);
            assertThat(k.taints()).isEqualTo("W");
            // everything before the marker is out of the scan
            assertThat(log.scan(log.marker()).clean()).isTrue();
        }
    }

    @Test
    void classifiesTheSelftestPatterns() {
        assertThat(SplatKind.classify("BUG: unable to handle page fault for address: ffffffffc0a01000")).isEqualTo(SplatKind.BUG);
        assertThat(SplatKind.classify("Oops: 0010 [#1] SMP NOPTI")).isEqualTo(SplatKind.OOPS);
        assertThat(SplatKind.classify("WARNING: possible circular locking dependency detected")).isEqualTo(SplatKind.CIRCULAR_LOCKING);
        assertThat(SplatKind.classify("INFO: task rmmod:12 blocked for more than 1 seconds.")).isEqualTo(SplatKind.HUNG_TASK);
        assertThat(SplatKind.classify("general protection fault, probably for non-canonical address")).isEqualTo(SplatKind.GENERAL_PROTECTION_FAULT);
        assertThat(SplatKind.classify("zram: Removed device: zram0")).isNull();
    }

    @Test
    void ringIsBoundedAndCountsSurviveWrapping() {
        try (Kernel k = Kernel.builder().logCapacity(32).build()) {
            for (int i = 0; i < 100; i++) {
                k.log().info("line " + i);
            }
            List<KernelLog.Record> all = k.log().since(0);
            assertThat(all).hasSize(32);
            assertThat(all.get(0).text()).isEqualTo("line 68");
            assertThat(all.get(31).seq()).isEqualTo(99);
            k.log().err("BUG: something");
            for (int i = 0; i < 40; i++) {
                k.log().info("filler " + i);
            }
            assertThat(k.log().scan(0).dropped()).isPositive();
            assertThat(k.log().splatTotal(SplatKind.BUG)).isEqualTo(1);
        }
    }

    @Test
    void multiLineTextBecomesOneRecordPerLineAndClearHidesOldOnes() {
        try (Kernel k = Kernel.boot()) {
            k.log().info("a\nb\nc\n");
            assertThat(k.log().since(0)).extracting(KernelLog.Record::text).containsExactly("a", "b", "c");
            k.log().clear();
            assertThat(k.log().dmesg()).isEmpty();
            k.log().info("d");
            assertThat(k.log().since(0)).extracting(KernelLog.Record::text).containsExactly("d");
        }
    }

    @Test
    void errnoNumbersAndTexts() {
        assertThat(Errno.EBUSY.number()).isEqualTo(16);
        assertThat(Errno.EBUSY.text()).isEqualTo("Device or resource busy");
        assertThat(Errno.EWOULDBLOCK).isSameAs(Errno.EAGAIN);
        assertThat(Errno.of(-19)).isEqualTo(Errno.ENODEV);
        assertThat(Errno.ENOTBLK.number()).isEqualTo(15);
        assertThat(Errno.E2BIG.text()).isEqualTo("Argument list too long");
        assertThat(new ErrnoException(Errno.EINVAL).getMessage()).isEqualTo("EINVAL: Invalid argument");
    }
}
