// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.block.BlockDevice;
import static io.jzram.core.Errnos.expect;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.core.backend.ZcompParams;
import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every errno of the lifecycle and the attribute stores, in the kernel's order of checks. */
@Timeout(60)
class ZramLifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void disksize() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            assertThat(d.isInitialised()).isFalse();
            assertThat(d.capacity()).isZero();
            expect(Errno.EINVAL, () -> d.control().initialise(0));
            expect(Errno.ENOMEM, () -> d.control().initialise(-1L)); // u64 max: PAGE_ALIGN wraps
            expect(Errno.ENOMEM, () -> d.control().initialise(Long.MIN_VALUE));
            expect(Errno.ENOMEM, () -> d.control().initialise(ZramDevice.MAX_DISKSIZE + 1));
            assertThat(d.isInitialised()).isFalse();
            d.control().initialise(1);
            assertThat(d.disksize()).as("rounded up to a page").isEqualTo(4096);
            assertThat(d.control().initState()).isTrue();
            expect(Errno.EINVAL, () -> d.control().initialise(0)); // EINVAL is checked before the lock
            expect(Errno.EBUSY, () -> d.control().initialise(1 << 20));
            assertThat(mc.hotplug.instances(CpuhpState.ZCOMP_PREPARE)).hasSize(1);
            d.control().reset();
            assertThat(mc.hotplug.instances(CpuhpState.ZCOMP_PREPARE)).isEmpty();
            // I/O on an uninitialised device is beyond its (zero) capacity
            expect(Errno.ENOSPC, () -> d.write(0, ByteBuffer.allocate(4096)));
            expect(Errno.EIO, () -> d.read(0, ByteBuffer.allocate(4096)));
            expect(Errno.ENOSPC, () -> d.discard(0, 4096));
            expect(Errno.ENOSPC, () -> d.writeZeroes(0, 4096));
            d.write(0, ByteBuffer.allocate(0)); // empty request at offset 0: nothing to do
        }
    }

    @Test
    void compAlgorithm() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            assertThat(d.compAlgorithm()).isEqualTo("lzo-rle"); // CONFIG_ZRAM_DEF_COMP
            assertThat(d.availableAlgorithms()).contains("lzo-rle", "lzo", "lz4", "lz4hc", "zstd", "deflate");
            String long128 = "x".repeat(128);
            expect(Errno.E2BIG, () -> d.control().setCompAlgorithm(long128));
            expect(Errno.E2BIG, () -> d.control().setCompAlgorithm("x".repeat(127) + "\n")); // strlen counts the newline
            expect(Errno.EINVAL, () -> d.control().setCompAlgorithm("x".repeat(126) + "\n"));
            expect(Errno.EINVAL, () -> d.control().setCompAlgorithm("bogus"));
            expect(Errno.EINVAL, () -> d.control().setCompAlgorithm("842"));
            expect(Errno.EINVAL, () -> d.control().setCompAlgorithm(""));
            d.control().setCompAlgorithm("zstd\n");
            assertThat(d.compAlgorithm()).isEqualTo("zstd");
            d.control().initialise(1 << 20);
            assertThat(d.control().compressor(0).name()).isEqualTo("zstd");
            expect(Errno.EBUSY, () -> d.control().setCompAlgorithm("lz4"));
            expect(Errno.EINVAL, () -> d.control().setCompAlgorithm("bogus")); // before the init check
            expect(Errno.E2BIG, () -> d.control().setCompAlgorithm(long128));
            d.control().reset();
            assertThat(d.compAlgorithm()).as("back to the default").isEqualTo("lzo-rle");
        }
    }

    @Test
    void recompAlgorithmAndParams() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            d.control().setCompAlgorithm("lz4");
            expect(Errno.EINVAL, () -> d.control().setRecompAlgorithm(1, null));
            expect(Errno.EINVAL, () -> d.control().setRecompAlgorithm(0, "zstd"));
            expect(Errno.EINVAL, () -> d.control().setRecompAlgorithm(4, "zstd"));
            expect(Errno.EINVAL, () -> d.control().setRecompAlgorithm(1, "bogus"));
            expect(Errno.E2BIG, () -> d.control().setRecompAlgorithm(1, "y".repeat(200)));
            d.control().setRecompAlgorithm(1, "zstd");
            d.control().setRecompAlgorithm(3, "deflate");
            assertThat(d.algorithm(1)).contains("zstd");
            assertThat(d.algorithm(2)).isEmpty();

            // algorithm_params: by priority or by algorithm name
            expect(Errno.EINVAL, () -> d.control().setAlgorithmParams(0, "lz4hc", ZcompParams.builder().level(3).build()));
            expect(Errno.EINVAL, () -> d.control().setAlgorithmParams(4, null, ZcompParams.defaults()));
            expect(Errno.EINVAL, () -> d.control().setAlgorithmParams(-1, null, ZcompParams.defaults()));
            expect(Errno.EINVAL, () -> ZcompParams.builder().dictionary(tmp.resolve("missing.dict")).build());
            d.control().setAlgorithmParams(0, "zstd", ZcompParams.builder().level(7).build());
            d.control().setAlgorithmParams(0, null, ZcompParams.builder().level(2).build());
            assertThat(d.algorithmParams(1).level()).isEqualTo(7);

            d.control().initialise(1 << 20);
            assertThat(d.control().compressor(1).params().level()).isEqualTo(7);
            assertThat(d.control().compressor(0).params().level()).isEqualTo(2);
            assertThat(d.control().compressor(3).name()).isEqualTo("deflate");
            assertThat(mc.hotplug.instances(CpuhpState.ZCOMP_PREPARE)).as("one instance per compressor").hasSize(3);
            expect(Errno.EBUSY, () -> d.control().setRecompAlgorithm(2, "lz4hc"));
            // algorithm_params is allowed after init (the 6.18 kernel takes it), for the next disksize
            d.control().setAlgorithmParams(0, "lz4", ZcompParams.builder().level(5).build());
            d.control().reset();
            assertThat(d.algorithm(1)).as("reset clears recompression algorithms").isEmpty();
            assertThat(d.algorithmParams(0)).isEqualTo(ZcompParams.defaults());
            assertThat(mc.host.streamBytes()).isZero();
        }
    }

    @Test
    void backendErrorAtDisksizePassesThroughAndFreesEverything() throws Exception {
        try (Machine mc = new Machine(2)) {
            long before = Machine.chronicleNativeBytes();
            ZramDevice d = mc.device("zram0");
            d.control().setCompAlgorithm("lz4");
            d.control().setAlgorithmParams(0, null, ZcompParams.builder().dictionary(new byte[] {1, 2, 3}).build());
            expect(Errno.EINVAL, () -> d.control().initialise(1 << 20)); // lz4-java has no dictionaries
            assertThat(d.isInitialised()).isFalse();
            assertThat(mc.hotplug.instances(CpuhpState.ZCOMP_PREPARE)).isEmpty();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
            // a failing secondary tears down the primary that was already made
            d.control().setAlgorithmParams(0, null, ZcompParams.defaults());
            d.control().setRecompAlgorithm(1, "lz4hc");
            d.control().setAlgorithmParams(1, null, ZcompParams.builder().dictionary(new byte[] {1}).build());
            expect(Errno.EINVAL, () -> d.control().initialise(1 << 20));
            assertThat(mc.hotplug.instances(CpuhpState.ZCOMP_PREPARE)).isEmpty();
            assertThat(mc.host.streamBytes()).isZero();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
        }
    }

    @Test
    void removedPrepareStateFailsTheCompressorWithEinval() throws Exception {
        try (Machine mc = new Machine(2)) {
            long before = Machine.chronicleNativeBytes();
            ZramDevice d = mc.device("zram0");
            Zcomp.removeState(mc.hotplug);
            expect(Errno.EINVAL, () -> d.control().initialise(1 << 20));
            assertThat(d.isInitialised()).isFalse();
            assertThat(mc.host.streamBytes()).isZero();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
            Zcomp.setupState(mc.hotplug, null);
            expect(Errno.EBUSY, () -> Zcomp.setupState(mc.hotplug, null));
            d.control().initialise(1 << 20);
            assertThat(mc.splats().clean()).isTrue();
        }
    }

    @Test
    void hotplugPrepareFailureRollsBackTheCpu() throws Exception {
        try (Machine mc = new Machine(4)) {
            ZramDevice d = mc.device("zram0", 1 << 20, "lz4");
            Zcomp c = d.control().compressor(0);
            assertThat(c.liveStreams()).isEqualTo(4);
            mc.hotplug.cpuDown(3);
            assertThat(c.liveStreams()).isEqualTo(3);
            assertThat(mc.host.streamBytes()).isEqualTo(3L * ZcompStrm.BYTES);
            mc.hotplug.setCpuFail(3, CpuhpState.ZCOMP_PREPARE);
            expect(Errno.EAGAIN, () -> mc.hotplug.cpuUp(3));
            assertThat(mc.hotplug.isOnline(3)).isFalse();
            assertThat(c.liveStreams()).isEqualTo(3);
            mc.hotplug.cpuUp(3);
            assertThat(c.liveStreams()).isEqualTo(4);
            byte[] text = PageGen.TEXT.bytes(new java.util.SplittableRandom(1), 4096);
            d.write(0, ByteBuffer.wrap(text));
            ByteBuffer back = ByteBuffer.allocate(4096);
            d.read(0, back);
            assertThat(back.array()).isEqualTo(text);
            // a prepare failure while adding the instance: compressor creation fails, nothing left
            d.control().reset();
            mc.hotplug.cpuDown(2);
            ZramDevice d2 = mc.device("zram1");
            d2.control().initialise(1 << 20);
            assertThat(d2.control().compressor(0).liveStreams()).isEqualTo(3);
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }

    @Test
    void memLimit() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            d.setMemLimit(1);
            assertThat(d.memLimit()).isEqualTo(4096);
            d.setMemLimit(64L << 20);
            d.control().initialise(64L << 20);
            d.setMemLimit(3 * 4096); // three pool pages
            Random r = new Random(3);
            byte[] rnd = new byte[4096];
            int written = 0;
            Errno failure = null;
            for (int i = 0; i < 10; i++) {
                r.nextBytes(rnd);
                try {
                    d.write((long) i * 4096, ByteBuffer.wrap(rnd));
                    written++;
                } catch (io.jzram.kernel.ErrnoIOException e) {
                    failure = e.errno();
                    break;
                }
            }
            assertThat(written).isEqualTo(3);
            assertThat(failure).isEqualTo(Errno.ENOMEM);
            MmStat mm = d.mmStat();
            assertThat(mm.memUsedTotal()).isEqualTo(3 * 4096);
            assertThat(mm.memLimit()).isEqualTo(3 * 4096);
            assertThat(mm.memUsedMax()).as("the peak saw the refused allocation").isEqualTo(4 * 4096);
            assertThat(d.ioStat().failedWrites()).isEqualTo(1);
            // same-filled pages need no memory: they still go in
            d.write(8 * 4096, ByteBuffer.allocate(4096));
            // mem_used_max store of 0: back to the current total
            d.discard(0, 2 * 4096);
            d.resetMemUsedMax();
            assertThat(d.mmStat().memUsedMax()).isEqualTo(4096);
            d.setMemLimit(0);
            d.write(0, ByteBuffer.wrap(rnd));
            assertThat(d.mmStat().memUsedTotal()).isEqualTo(2 * 4096);
            d.control().reset();
            assertThat(d.memLimit()).isZero();
        }
    }

    @Test
    void backingDevice() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            assertThat(d.backingDev()).isEmpty();
            expect(Errno.ENOENT, () -> d.control().setBackingDev(tmp.resolve("missing")));
            expect(Errno.EISDIR, () -> d.control().setBackingDev(tmp));
            if (Files.exists(Path.of("/dev/null"))) {
                expect(Errno.ENOTBLK, () -> d.control().setBackingDev(Path.of("/dev/null")));
            }
            Path empty = Files.createFile(tmp.resolve("empty"));
            expect(Errno.EINVAL, () -> d.control().setBackingDev(empty));
            Path file = tmp.resolve("backing");
            Files.write(file, new byte[16 * 4096]);
            d.control().setBackingDev(file);
            assertThat(d.backingDev()).contains(file);
            d.control().setBackingDev(file); // replacing is allowed before init
            d.control().initialise(1 << 20);
            expect(Errno.EBUSY, () -> d.control().setBackingDev(file));
            d.control().reset();
            assertThat(d.backingDev()).as("reset drops the backing file").isEmpty();
        }
    }

    @Test
    void operationsThatNeedAnInitialisedDevice() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            expect(Errno.EINVAL, d::compact);
            expect(Errno.EINVAL, d::markIdleAll);
            expect(Errno.EINVAL, () -> d.markIdle(10));
            expect(Errno.EINVAL, () -> d.writeback(WritebackType.IDLE));
            expect(Errno.EINVAL, () -> d.recompress(RecompressRequest.all()));
            expect(Errno.EINVAL, () -> d.recompress(RecompressRequest.all().withThreshold(3625))); // before the init check
            d.resetMemUsedMax(); // no-op, no error
            d.control().initialise(1 << 20);
            expect(Errno.ENODEV, () -> d.writeback(WritebackType.IDLE));
            expect(Errno.EINVAL, () -> d.recompress(RecompressRequest.all())); // no secondary algorithm
            expect(Errno.EINVAL, () -> d.recompress(RecompressRequest.all().withThreshold(-1)));
            assertThat(d.compact()).isZero();
            d.markIdleAll();
        }
    }

    @Test
    void postProcessingRunsOneAtATime() throws Exception {
        try (Machine mc = new Machine(2)) {
            Path file = tmp.resolve("backing");
            Files.write(file, new byte[16 * 4096]);
            ZramDevice d = mc.device("zram0");
            d.control().setRecompAlgorithm(1, "zstd");
            d.control().setBackingDev(file);
            d.control().initialise(1 << 20);
            d.write(0, ByteBuffer.wrap(PageGen.TEXT.bytes(new java.util.SplittableRandom(1), 4096)));
            java.util.List<Errno> seen = new java.util.ArrayList<>();
            d.control().setHook(ZramHook.POST_PROCESSING, dev -> {
                Thread other = new Thread(() -> {
                    for (Runnable r : new Runnable[] {() -> dev.recompress(RecompressRequest.all()), () -> dev.writeback(WritebackType.HUGE)}) {
                        try {
                            r.run();
                            seen.add(null);
                        } catch (io.jzram.kernel.ErrnoException e) {
                            seen.add(e.errno());
                        }
                    }
                });
                other.start();
                try {
                    other.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            d.writeback(WritebackRequest.pageIndex(0));
            assertThat(seen).containsExactly(Errno.EAGAIN, Errno.EAGAIN);
            assertThat(d.control().slotFlags(0)).containsExactly("wb");
            seen.clear();
            d.write(0, ByteBuffer.wrap(PageGen.TEXT.bytes(new java.util.SplittableRandom(1), 4096)));
            d.recompress(RecompressRequest.all());
            assertThat(seen).containsExactly(Errno.EAGAIN, Errno.EAGAIN);
            d.control().setHook(ZramHook.POST_PROCESSING, null);
            d.writeback(WritebackType.HUGE); // free again
        }
    }

    @Test
    void openClaimAndReset() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0", 1 << 20, "lz4");
            BlockDevice.Opener o = d.open();
            assertThat(d.control().openers()).isEqualTo(1);
            expect(Errno.EBUSY, d.control()::reset);
            expect(Errno.EBUSY, d.control()::tryClaim);
            expect(Errno.EBUSY, d.control()::claimForRemoval);
            o.close();
            o.close(); // idempotent
            assertThat(d.control().openers()).isZero();
            d.control().tryClaim();
            expect(Errno.EBUSY, d::open);
            expect(Errno.EBUSY, d.control()::reset);
            expect(Errno.EBUSY, d.control()::tryClaim);
            assertThat(d.control().claimForRemoval()).as("removal finds the reset's claim").isTrue();
            d.control().releaseClaim();
            assertThat(d.control().claimForRemoval()).isFalse();
            assertThat(d.control().isClaimed()).isTrue();
            d.control().releaseClaim();
            d.control().reset();
            assertThat(d.control().isClaimed()).isFalse();
            assertThat(d.isInitialised()).isFalse();
            try (BlockDevice.Opener o2 = d.open()) {
                assertThat(o2.device()).isSameAs(d);
            }
        }
    }

    @Test
    void resetGivesBackEveryByte() throws Exception {
        try (Machine mc = new Machine(4)) {
            long before = Machine.chronicleNativeBytes();
            Path file = tmp.resolve("backing");
            Files.write(file, new byte[64 * 4096]);
            ZramDevice d = mc.device("zram0");
            d.control().setRecompAlgorithm(1, "zstd");
            d.control().setBackingDev(file);
            d.control().initialise(64L << 20);
            java.util.SplittableRandom r = new java.util.SplittableRandom(9);
            for (int i = 0; i < 3000; i++) {
                d.write((long) i * 4096, ByteBuffer.wrap(PageGen.pick(r).bytes(r, 4096)));
            }
            d.markIdleAll();
            d.writeback(WritebackRequest.pageIndexes(0, 40));
            d.recompress(RecompressRequest.of(RecompressType.IDLE).withMaxPages(200));
            ZramMemory m = d.memory();
            System.out.println("device holds " + m + ", chronicle " + (Machine.chronicleNativeBytes() - before));
            assertThat(m.poolReservedBytes()).isPositive();
            assertThat(m.streamBytes()).isEqualTo(2L * 4 * ZcompStrm.BYTES);
            assertThat(Machine.chronicleNativeBytes() - before).isEqualTo(m.nativeBytes());
            d.control().reset();
            assertThat(d.memory()).isEqualTo(new ZramMemory(0, 0, 0, 0, 0));
            assertThat(mc.host.streamBytes()).isZero();
            assertThat(Machine.chronicleNativeBytes()).as("Chronicle's native memory after reset").isEqualTo(before);
            assertThat(d.mmStat()).isEqualTo(new MmStat(0, 0, 0, 0, 0, 0, 0, 0, 0));
            assertThat(d.bdStat()).isEqualTo(new BdStat(0, 0, 0));
            assertThat(Arrays.stream(d.blockStat().values()).sum()).isZero();
        }
    }

    @Test
    void hundredGigabytesCostNothingUntilWritten() throws Exception {
        try (Machine mc = new Machine(2)) {
            long before = Machine.chronicleNativeBytes();
            ZramDevice d = mc.device("zram0");
            d.control().initialise(100L << 30);
            ZramMemory m = d.memory();
            System.out.println("100 GiB device, empty: " + m);
            assertThat(m.tableHeapBytes()).isLessThan(64 * 1024);
            assertThat(m.poolReservedBytes()).isZero();
            long last = (100L << 30) - 4096;
            byte[] text = PageGen.TEXT.bytes(new java.util.SplittableRandom(2), 4096);
            d.write(last, ByteBuffer.wrap(text));
            d.write(50L << 30, ByteBuffer.wrap(text));
            d.write(0, ByteBuffer.wrap(text));
            ByteBuffer back = ByteBuffer.allocate(4096);
            d.read(last, back);
            assertThat(back.array()).isEqualTo(text);
            m = d.memory();
            System.out.println("100 GiB device, 3 pages written: " + m);
            assertThat(m.tableHeapBytes()).isLessThan(512 * 1024);
            assertThat(m.poolReservedBytes()).isEqualTo(2L << 20);
            // a discard of the whole device walks chunks, not pages
            long t0 = System.nanoTime();
            d.discard(0, 100L << 30);
            assertThat(d.ioStat().notifyFree()).isEqualTo((100L << 30) / 4096);
            assertThat(d.mmStat().origDataSize()).isZero();
            System.out.println("discard of 100 GiB: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            d.markIdleAll();
            d.control().reset();
            assertThat(Machine.chronicleNativeBytes()).isEqualTo(before);
        }
    }
}
