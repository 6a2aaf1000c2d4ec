// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.SplatKind;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reset-vs-disksize race upstream fixed for 5.16, made deterministic with the reset hooks: a
 * disksize store arrives while a reset is under way.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZramResetRaceTest {
    private static final int PAGE = 4096;

    @Test
    void pre516ResetFreesTheRacingDisksizesMetaAndLeaksTheOld() throws Exception {
        try (Machine mc = new Machine(2)) {
            long baseline = Machine.chronicleNativeBytes();
            ZramDevice d = mc.device("zram0");
            d.control().setResetVariant(ResetVariant.PRE_5_16);
            d.control().initialise(1 << 20);
            byte[] text = PageGen.TEXT.bytes(new SplittableRandom(1), PAGE);
            for (int i = 0; i < 16; i++) {
                d.write((long) i * PAGE, ByteBuffer.wrap(text));
            }
            ZramMeta old = d.control().currentMeta();
            AtomicReference<Throwable> racer = new AtomicReference<>();
            // the disksize store that slips in once reset has dropped init_lock
            d.control().setHook(ZramHook.RESET_UNLOCKED, dev -> {
                dev.control().setHook(ZramHook.RESET_UNLOCKED, null);
                try {
                    dev.control().initialise(2 << 20);
                } catch (Throwable e) {
                    racer.set(e);
                }
            });
            long marker = mc.kernel.log().marker();
            d.control().reset();
            assertThat(racer.get()).as("the racing disksize store succeeds").isNull();
            assertThat(d.isInitialised()).as("the device is initialised ...").isTrue();
            assertThat(d.disksize()).isEqualTo(2 << 20);
            assertThat(d.control().currentMeta().freed.get()).as("... over meta the reset freed").isTrue();
            expect(Errno.EIO, () -> d.write(0, ByteBuffer.wrap(text)));
            expect(Errno.EIO, () -> d.read(0, ByteBuffer.allocate(PAGE)));
            String dmesg = mc.kernel.log().dmesgSince(marker);
            System.out.println(dmesg);
            assertThat(dmesg).contains("BUG: KASAN: use-after-free in zram_submit_bio");
            assertThat(mc.kernel.log().scan(marker).count(SplatKind.BUG)).isEqualTo(1);
            assertThat(old.freed.get()).as("the old meta was never freed").isFalse();
            long leaked = Machine.chronicleNativeBytes() - baseline;
            System.out.println("leaked after the race: " + leaked + " bytes of pool; old pool reserved " + old.pool.reservedBytes());
            assertThat(leaked).isGreaterThanOrEqualTo(old.pool.reservedBytes()).isPositive();

            // a second reset frees the freed meta again (double free) and destroys the racer's compressors
            d.control().reset();
            assertThat(mc.kernel.log().dmesgSince(marker)).contains("BUG: KASAN: double-free in zram_meta_free");
            assertThat(d.isInitialised()).isFalse();
            assertThat(mc.host.streamBytes()).isZero();
            old.pool.close(); // give the emulated leak back so later tests see a clean JVM
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
        }
    }

    @Test
    void upstreamResetMakesTheRacingDisksizeWaitAndFindACleanDevice() throws Exception {
        try (Machine mc = new Machine(2)) {
            long baseline = Machine.chronicleNativeBytes();
            ZramDevice d = mc.device("zram0", 1 << 20, "lz4");
            byte[] text = PageGen.TEXT.bytes(new SplittableRandom(2), PAGE);
            for (int i = 0; i < 16; i++) {
                d.write((long) i * PAGE, ByteBuffer.wrap(text));
            }
            AtomicReference<Throwable> racer = new AtomicReference<>();
            Thread[] t = new Thread[1];
            d.control().setHook(ZramHook.RESET_LOCKED, dev -> {
                dev.control().setHook(ZramHook.RESET_LOCKED, null);
                t[0] = new Thread(() -> {
                    try {
                        dev.control().initialise(2 << 20);
                    } catch (Throwable e) {
                        racer.set(e);
                    }
                }, "disksize-store");
                t[0].start();
                // wait until the store sleeps on init_lock (the hung-task watchdog sees every sleeper)
                while (mc.kernel.hungTaskWatchdog().blockedTasks().stream().noneMatch(b -> b.thread() == t[0])) {
                    Thread.onSpinWait();
                }
            });
            d.control().reset();
            t[0].join();
            assertThat(racer.get()).isNull();
            assertThat(d.disksize()).isEqualTo(2 << 20);
            assertThat(d.mmStat()).isEqualTo(new MmStat(0, 0, 0, 0, 0, 0, 0, 0, 0));
            d.write(0, ByteBuffer.wrap(text));
            ByteBuffer back = ByteBuffer.allocate(PAGE);
            d.read(0, back);
            assertThat(back.array()).isEqualTo(text);
            d.control().reset();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(baseline);
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }
}
