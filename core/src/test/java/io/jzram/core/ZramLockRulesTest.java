// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.Errno;
import io.jzram.kernel.SplatKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock rules of {@link ZramState} are checked: touching state guarded by {@code init_lock}
 * without it (or writing it with only a read hold) is a WARNING splat from
 * {@code lockdep_assert_held}, and the device's own paths, which take the lock, never warn.
 */
@Timeout(60)
class ZramLockRulesTest {
    private static final int PAGE = 4096;

    @TempDir
    Path tmp;

    @Test
    void guardedStateWithoutInitLockWarns() {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 1 << 20, "lz4");
            ZramState z = d.control().state();
            long marker = mc.kernel.log().marker();
            z.compAlg(ZramDevice.PRIMARY_COMP);   // read without init_lock
            z.setLimitPages(z.limitPages());      // written without it
            z.initLock.readLock();
            try {
                z.compAlg(ZramDevice.PRIMARY_COMP); // held for reading: fine
                z.setDisksize(z.disksize());        // a write needs it for writing
            } finally {
                z.initLock.readUnlock();
            }
            z.initLock.writeLock();
            try {
                z.setLimitPages(z.limitPages());    // held for writing: fine
            } finally {
                z.initLock.writeUnlock();
            }
            assertThat(mc.kernel.lockdep().assertReports()).isEqualTo(3);
            assertThat(mc.kernel.log().scan(marker).count(SplatKind.WARNING)).isEqualTo(3);
            assertThat(mc.kernel.log().dmesgSince(marker))
                    .contains("lockdep_assert_held(&zram->init_lock)")
                    .contains("lockdep_assert_held_write(&zram->init_lock)")
                    .contains(" at ZramState.java:");
        }
    }

    @Test
    void theDevicesOwnPathsKeepTheRules() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            ZramControl c = d.control();
            Path backing = tmp.resolve("backing");
            Files.write(backing, new byte[64 * PAGE]);
            c.setCompAlgorithm("lz4");
            c.setRecompAlgorithm(1, "deflate");
            c.setAlgorithmParams(ZramDevice.PRIMARY_COMP, null, ZcompParams.defaults());
            c.setBackingDev(backing);
            d.setMemLimit(1 << 20);
            c.initialise(1 << 20);
            byte[] text = "lock rules, checked ".repeat(205).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 16; i++) {
                d.write((long) i * PAGE, ByteBuffer.wrap(text, 0, PAGE));
            }
            d.write(3L * PAGE + 100, ByteBuffer.wrap(text, 0, 10));
            d.read(5L * PAGE, ByteBuffer.allocate(PAGE));
            d.discard(0, PAGE);
            d.mmStat();
            d.ioStat();
            d.bdStat();
            d.memory();
            d.compact();
            d.resetMemUsedMax();
            d.markIdleAll();
            d.recompress(RecompressRequest.of(RecompressType.IDLE));
            d.setWritebackLimit(4);
            d.setWritebackLimitEnable(true);
            d.markIdleAll();
            expect(Errno.EIO, () -> d.writeback(WritebackType.IDLE)); // the limit ends the run
            assertThat(d.bdStat().bdWrites()).isEqualTo(4);
            c.reset();
            assertThat(mc.kernel.lockdep().assertReports()).isZero();
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }
}
