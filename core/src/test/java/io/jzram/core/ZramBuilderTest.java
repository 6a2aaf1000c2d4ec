// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.block.BlockDevice;
import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.core.backend.ZcompParams;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.Kernel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedding builder: configuration errors, shared machines, close. */
@Timeout(60)
class ZramBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void configurationErrorsLeaveNothingBehind() {
        long before = Machine.chronicleNativeBytes();
        expect(Errno.EINVAL, () -> ZramDevice.builder().build());
        expect(Errno.EINVAL, () -> ZramDevice.builder().diskSize(1 << 20).algorithm("842").build());
        expect(Errno.EINVAL, () -> ZramDevice.builder().diskSize(1 << 20).recompressionAlgorithm(4, "zstd"));
        expect(Errno.ENOENT, () -> ZramDevice.builder().diskSize(1 << 20).backingFile(tmp.resolve("none")).build());
        expect(Errno.EINVAL, () -> ZramDevice.builder().diskSize(1 << 20).algorithm("lz4")
                .algorithmParams(ZcompParams.builder().dictionary(new byte[] {1}).build()).build());
        expect(Errno.EINVAL, () -> ZramDevice.builder().diskSize(-1).build());
        expect(Errno.EINVAL, () -> ZramDevice.builder().diskSize(Long.MIN_VALUE).build());
        expect(Errno.ENOMEM, () -> ZramDevice.builder().diskSize(ZramDevice.MAX_DISKSIZE + 4096).build());
        assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
    }

    @Test
    void everyOption() throws Exception {
        Path file = tmp.resolve("backing");
        Files.write(file, new byte[32 * 4096]);
        long before = Machine.chronicleNativeBytes();
        try (ZramDevice d = ZramDevice.builder().name("embedded").diskSize(100_000).algorithm("zstd")
                .algorithmParams(ZcompParams.builder().level(1).build()).recompressionAlgorithm(1, "deflate")
                .memLimit(1 << 20).backingFile(file).writebackLimit(2).cpus(3).lockdep(true).build()) {
            assertThat(d.name()).isEqualTo("embedded");
            assertThat(d.capacity()).isEqualTo(102_400);
            assertThat(d.control().compressor(0).params().level()).isEqualTo(1);
            assertThat(d.control().compressor(1).name()).isEqualTo("deflate");
            assertThat(d.control().compressor(0).liveStreams()).isEqualTo(3);
            assertThat(d.memLimit()).isEqualTo(1 << 20);
            assertThat(d.writebackLimitEnabled()).isTrue();
            assertThat(d.control().openers()).as("the device holds itself open").isEqualTo(1);
            expect(Errno.EBUSY, d.control()::reset);
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < 10; i++) {
                d.write(i * 4096L, ByteBuffer.wrap(PageGen.TEXT.bytes(r, 4096)));
            }
            d.markIdleAll();
            expect(Errno.EIO, () -> d.writeback(WritebackType.IDLE));
            assertThat(d.bdStat().bdWrites()).isEqualTo(2);
            BlockDevice.Opener other = d.open();
            expect(Errno.EBUSY, d::close);
            other.close();
        }
        assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
    }

    @Test
    void devicesShareAMachineAndFollowItsHotplug() throws Exception {
        try (Kernel k = Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 4);
            try (ZramDevice a = ZramDevice.builder().diskSize(1 << 20).hotplug(hp).build();
                    ZramDevice b = ZramDevice.builder().name("zram1").diskSize(1 << 20).algorithm("lz4hc").hotplug(hp).build()) {
                assertThat(Zcomp.stateRegistered(hp)).isTrue();
                assertThat(hp.instances(CpuhpState.ZCOMP_PREPARE)).hasSize(2);
                hp.cpuDown(2);
                assertThat(a.control().compressor(0).liveStreams()).isEqualTo(3);
                assertThat(b.control().compressor(0).liveStreams()).isEqualTo(3);
                hp.placement().pinCurrentThread(3);
                byte[] text = PageGen.TEXT.bytes(new SplittableRandom(3), 4096);
                a.write(0, ByteBuffer.wrap(text));
                b.write(0, ByteBuffer.wrap(text));
                hp.cpuDown(3);
                ByteBuffer back = ByteBuffer.allocate(4096);
                b.read(0, back);
                assertThat(back.array()).isEqualTo(text);
            }
            assertThat(hp.instances(CpuhpState.ZCOMP_PREPARE)).isEmpty();
            assertThat(Zcomp.stateRegistered(hp)).as("a shared machine keeps the state").isTrue();
            assertThat(k.log().scan(0).clean()).isTrue();
        }
    }

    @Test
    void negativeDiskSizeIsEinvalAndSaysSo() {
        assertThatThrownBy(() -> ZramDevice.builder().diskSize(-4096).build()).isInstanceOf(ErrnoException.class)
                .hasMessageContaining("negative").satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void nullBuffersAreRejectedByName() throws Exception {
        try (ZramDevice d = ZramDevice.builder().diskSize(1 << 20).cpus(1).build()) {
            assertThatThrownBy(() -> d.write(0, null)).isInstanceOf(NullPointerException.class).hasMessage("src");
            assertThatThrownBy(() -> d.read(0, null)).isInstanceOf(NullPointerException.class).hasMessage("dst");
            assertThat(d.ioStat().failedWrites()).as("a refused call is no request").isZero();
            assertThat(d.ioStat().failedReads()).isZero();
            expect(Errno.EINVAL, () -> d.write(-1, ByteBuffer.allocate(4096)));
            expect(Errno.EINVAL, () -> d.discard(0, -1));
        }
    }

    /** Every use of a closed embedded device fails with ENXIO, saying so; the queries still answer. */
    @Test
    void useAfterCloseSaysTheDeviceIsClosed() throws Exception {
        ZramDevice d = ZramDevice.builder().name("gone").diskSize(1 << 20).cpus(1).build();
        d.write(0, ByteBuffer.wrap(PageGen.TEXT.bytes(new SplittableRandom(5), 4096)));
        d.close();
        d.close(); // idempotent
        java.util.List<ThrowingCall> uses = java.util.List.of(
                () -> d.write(0, ByteBuffer.allocate(4096)),
                () -> d.write(1 << 30, ByteBuffer.allocate(4096)),
                () -> d.write(0, ByteBuffer.allocate(0)),
                () -> d.read(0, ByteBuffer.allocate(4096)),
                () -> d.read(0, ByteBuffer.allocate(1)),
                () -> d.discard(0, 4096),
                () -> d.writeZeroes(0, 4096),
                d::flush,
                () -> d.blockState(0),
                d::open,
                d::compact,
                d::markIdleAll,
                () -> d.markIdle(1),
                () -> d.setMemLimit(1 << 20),
                d::resetMemUsedMax,
                () -> d.setWritebackLimit(1),
                () -> d.setWritebackLimitEnable(true),
                () -> d.writeback(WritebackType.IDLE),
                () -> d.recompress(RecompressRequest.all()));
        int i = 0;
        for (ThrowingCall use : uses) {
            int n = i++;
            assertThatThrownBy(use::call).as("use %d after close", n).satisfies(e -> {
                Errno got = e instanceof ErrnoException ee ? ee.errno() : e instanceof ErrnoIOException ie ? ie.errno() : null;
                assertThat(got).as("use %d: %s", n, e).isEqualTo(Errno.ENXIO);
                assertThat(e.getMessage()).isEqualTo("ENXIO: gone is closed");
            });
        }
        assertThat(d.isClosed()).isTrue();
        assertThat(d.capacity()).isZero();
        assertThat(d.memory()).isEqualTo(new ZramMemory(0, 0, 0, 0, 0));
        System.out.printf("use after close: %d uses refused with ENXIO%n", uses.size());
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void call() throws Exception;
    }
}
