// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The same sequence of stores, shows and block I/O on the machine's own zram0 and on an emulated
 * machine configured like it ({@code Machine.builder().realKernel()}), output by output, byte for
 * byte. Normalised: the time fields of {@code stat} (and its read fields: udev may probe). The
 * broader live test is the shell module's RealKernelDifferentialTest. Skipped
 * with a message where zram0 is absent, not writable or in use. zram0 is always left reset; every
 * use holds /tmp/jzram-real-zram0.lock. A device is hot-added on the real machine only when zram0 is
 * its only zram device, and removed right after.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZramRealKernelDifferentialTest {

    /** What the steps do, on either machine. */
    interface Target {
        String show(String attr);

        String store(String attr, String text);

        String writePages(long offset, byte[] data);

        String readDigest(long offset, int len);

        String discard(long offset, long len);

        String controlStore(String attr, String text);

        String hotAdd();
    }

    record Output(String step, String text) {
    }

    /**
     * A documented difference: on this patterned page lz4-java (LZ4 1.10) emits 1177 bytes where
     * the kernel's lib/lz4 (based on LZ4 1.8.3) emits 1176, so the object lands in zsmalloc's
     * 1200-byte class (5-page zspages) instead of the 1184-byte one (7-page zspages): compr_data_size
     * differs by 1 and mem_used_total by 2 pages. jzram-core's size classes are right; the codecs
     * differ. The step's output is reported, not compared.
     */
    static final String KNOWN_LZ4 = "cat mm_stat after the patterned page (known lz4 parity difference)";

    /** comp_algorithm's listing: compared whole (the emulator lists lzo-rle lzo lz4 and selects lzo-rle, as the kernel). */
    static String normaliseListing(String s, String emulatorDefault) {
        return s;
    }

    /**
     * stat without its time fields (read/write/discard/flush ticks, io_ticks, time_in_queue) and
     * without the read fields: on the real machine udev's blkid probes zram0 after every disksize
     * change, with reads the test does not make.
     */
    static String normaliseStat(String s) {
        String[] f = s.trim().split("\\s+");
        if (f.length != 17) {
            return s;
        }
        for (int i : new int[] {0, 1, 2, 3, 7, 9, 10, 14, 16}) {
            f[i] = "t";
        }
        return String.join(" ", f) + "\n";
    }

    private static List<Output> run(Target t, boolean hotAdd, String dflt) {
        List<Output> out = new ArrayList<>();
        Step s = (name, text) -> out.add(new Output(name, text));
        s.add("cat comp_algorithm", normaliseListing(t.show("comp_algorithm"), dflt));
        s.add("echo bogus > comp_algorithm", t.store("comp_algorithm", "bogus\n"));
        s.add("echo lz4 > comp_algorithm", t.store("comp_algorithm", "lz4\n"));
        s.add("cat comp_algorithm", normaliseListing(t.show("comp_algorithm"), dflt));
        for (String[] st : new String[][] {{"disksize", "0\n"}, {"reset", "0\n"}, {"reset", "abc\n"}, {"idle", "all\n"},
            {"compact", "1\n"}, {"mem_limit", "64M\n"}, {"mem_limit", "xyz\n"}, {"mem_used_max", "5\n"},
            {"algorithm_params", "level\n"}, {"algorithm_params", "algo=lz4 level=1\n"}, {"algorithm_params", "priority=1\n"},
            {"idle", "5\n"}, {"mem_used_max", "0\n"}}) {
            s.add("echo " + st[1].strip() + " > " + st[0], t.store(st[0], st[1]));
        }
        for (String a : new String[] {"disksize", "initstate", "mm_stat", "io_stat", "debug_stat", "stat"}) {
            s.add("cat " + a, a.equals("stat") ? normaliseStat(t.show(a)) : t.show(a));
        }
        s.add("echo 1G > disksize", t.store("disksize", "1G\n"));
        s.add("cat disksize", t.show("disksize"));
        s.add("cat initstate", t.show("initstate"));
        s.add("echo 2G > disksize", t.store("disksize", "2G\n"));
        s.add("echo lz4 > comp_algorithm (initialised)", t.store("comp_algorithm", "lz4\n"));
        s.add("echo bogus > comp_algorithm (initialised)", t.store("comp_algorithm", "bogus\n"));
        s.add("cat mm_stat", t.show("mm_stat"));
        s.add("echo all > idle", t.store("idle", "all\n"));
        s.add("echo 1 > compact", t.store("compact", "1\n"));

        byte[] random = new byte[8192];
        new Random(20211004).nextBytes(random);
        s.add("write 2 random pages at 0", t.writePages(0, random));
        for (String a : new String[] {"mm_stat", "io_stat", "debug_stat", "stat"}) {
            s.add("cat " + a, a.equals("stat") ? normaliseStat(t.show(a)) : t.show(a));
        }
        s.add("write a page past the end", t.writePages(262144L * 4096, new byte[4096]));
        s.add("blkdiscard -o 0 -l 4096", t.discard(0, 4096));
        s.add("cat mm_stat", t.show("mm_stat"));
        s.add("cat io_stat", t.show("io_stat"));
        s.add("write 3 zero pages at page 10", t.writePages(10 * 4096L, new byte[3 * 4096]));
        s.add("cat mm_stat", t.show("mm_stat"));
        byte[] text = new byte[4096];
        byte[] phrase = "zram: Added device: zram0 -- the quick brown fox jumps over the lazy dog 0123456789\n"
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < text.length; i++) {
            text[i] = phrase[i % phrase.length];
        }
        s.add("write a text page at page 20", t.writePages(20 * 4096L, text));
        s.add("cat mm_stat", t.show("mm_stat"));
        s.add("echo 0 > mem_used_max", t.store("mem_used_max", "0\n"));
        s.add("cat mm_stat", t.show("mm_stat"));
        byte[] pattern = new byte[4096];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 / 7);
        }
        s.add("write a patterned page at page 21", t.writePages(21 * 4096L, pattern));
        s.add(KNOWN_LZ4, t.show("mm_stat"));
        s.add("read pages 0..23", t.readDigest(0, 24 * 4096));
        s.add("cat stat", normaliseStat(t.show("stat")));
        for (String q : new String[] {"logical_block_size", "physical_block_size", "discard_granularity", "write_zeroes_max_bytes",
            "max_sectors_kb", "minimum_io_size", "optimal_io_size", "rotational"}) {
            s.add("cat queue/" + q, t.show("queue/" + q));
        }
        s.add("cat size", t.show("size"));
        s.add("echo 1 > reset", t.store("reset", "1\n"));
        for (String a : new String[] {"mm_stat", "disksize", "initstate", "io_stat", "stat", "size"}) {
            s.add("cat " + a, a.equals("stat") ? normaliseStat(t.show(a)) : t.show(a));
        }
        s.add("cat comp_algorithm", normaliseListing(t.show("comp_algorithm"), dflt));
        s.add("echo 100G > disksize", t.store("disksize", "100G\n"));
        s.add("cat disksize", t.show("disksize"));
        s.add("cat mm_stat", t.show("mm_stat"));
        s.add("echo 1 > reset", t.store("reset", "1\n"));
        s.add("echo -1 > hot_remove", t.controlStore("hot_remove", "-1\n"));
        s.add("echo 7 > hot_remove", t.controlStore("hot_remove", "7\n"));
        s.add("echo x > hot_remove", t.controlStore("hot_remove", "x\n"));
        if (hotAdd) {
            String id = t.hotAdd();
            s.add("cat hot_add", id);
            s.add("echo ID > hot_remove", t.controlStore("hot_remove", id));
        }
        return out;
    }

    @FunctionalInterface
    interface Step {
        void add(String name, String text);
    }

    static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16) + " (" + b.length + " bytes)";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The emulated machine as the target. */
    static final class Emulated implements Target {
        final Machine m;

        Emulated(Machine m) {
            this.m = m;
        }

        @Override
        public String show(String attr) {
            try {
                return m.cat("/sys/block/zram0/" + attr);
            } catch (ErrnoException e) {
                return e.errno().name();
            }
        }

        @Override
        public String store(String attr, String text) {
            return ZramTesting.store(m, "/sys/block/zram0/" + attr, text);
        }

        @Override
        public String controlStore(String attr, String text) {
            return ZramTesting.store(m, "/sys/class/zram-control/" + attr, text);
        }

        @Override
        public String hotAdd() {
            return m.cat("/sys/class/zram-control/hot_add");
        }

        @Override
        public String writePages(long offset, byte[] data) {
            try (MachineFile f = m.open("/dev/zram0", OpenFlag.WRONLY)) {
                f.seek(offset);
                long n = 0;
                for (int off = 0; off < data.length; off += 4096) {
                    n += f.write(data, off, 4096);
                }
                return Long.toString(n);
            } catch (ErrnoException e) {
                return e.errno().name();
            }
        }

        @Override
        public String readDigest(long offset, int len) {
            try (MachineFile f = m.open("/dev/zram0", OpenFlag.RDONLY)) {
                f.seek(offset);
                byte[] b = new byte[len];
                int got = 0;
                while (got < len) {
                    int n = f.read(b, got, len - got);
                    if (n <= 0) {
                        break;
                    }
                    got += n;
                }
                return digest(Arrays.copyOf(b, got));
            }
        }

        @Override
        public String discard(long offset, long len) {
            try (MachineFile f = m.open("/dev/zram0", OpenFlag.WRONLY)) {
                f.blockDevice().discard(offset, len);
                return "0";
            } catch (IOException e) {
                return "1 " + e.getMessage();
            }
        }
    }

    /** The machine's own zram0 as the target. */
    static final class Real implements Target {
        final RealZram0 z;

        Real(RealZram0 z) {
            this.z = z;
        }

        @Override
        public String show(String attr) {
            return z.show(attr);
        }

        @Override
        public String store(String attr, String text) {
            return z.store(attr, text.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public String controlStore(String attr, String text) {
            return RealZram0.writeOnce(Path.of("/sys/class/zram-control", attr), text.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public String hotAdd() {
            try {
                return Files.readString(Path.of("/sys/class/zram-control/hot_add"));
            } catch (IOException e) {
                return RealZram0.errnoName(e);
            }
        }

        @Override
        public String writePages(long offset, byte[] data) {
            return z.writePages(offset, data);
        }

        @Override
        public String readDigest(long offset, int len) {
            try {
                return digest(z.readPages(offset, len));
            } catch (IOException e) {
                return RealZram0.errnoName(e);
            }
        }

        @Override
        public String discard(long offset, long len) {
            try {
                Optional<String> r = z.blkdiscard(offset, len);
                return r.orElse("0");
            } catch (IOException e) {
                return RealZram0.errnoName(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    private static boolean onlyZram0() throws IOException {
        try (var s = Files.list(Path.of("/sys/block"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("zram")).toList().equals(List.of("zram0"));
        }
    }

    @Test
    void sameOutputsAsTheRealZram0() throws Exception {
        Optional<String> why = RealZram0.unusableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        List<Output> real;
        List<Output> emu;
        boolean hotAdd;
        String dflt = ZramKconfig.KERNEL_DEFAULT_COMPRESSOR;
        Optional<RealZram0> lock = RealZram0.acquire();
        Assumptions.assumeTrue(lock.isPresent(), "skipped: zram0 became busy while waiting for the lock");
        try (RealZram0 z = lock.get()) {
            hotAdd = onlyZram0() && !Files.exists(Path.of("/sys/block/zram1"));
            try {
                real = run(new Real(z), hotAdd, dflt);
            } finally {
                // a device hot-added and not removed (a failure half-way) goes now
                if (hotAdd && Files.exists(Path.of("/sys/block/zram1"))) {
                    RealZram0.writeOnce(Path.of("/sys/class/zram-control/hot_remove"), "1".getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        try (Machine m = Machine.builder().cpus(2).realKernel().build()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            emu = run(new Emulated(m), hotAdd, dflt);
            assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        }
        assertThat(emu).hasSameSizeAs(real);
        StringBuilder report = new StringBuilder();
        StringBuilder known = new StringBuilder();
        int same = 0;
        for (int i = 0; i < real.size(); i++) {
            if (real.get(i).equals(emu.get(i))) {
                same++;
            } else if (real.get(i).step().equals(KNOWN_LZ4) && emu.get(i).step().equals(KNOWN_LZ4)) {
                known.append(String.format("step %d '%s' (documented):%n  kernel:   %s%n  emulator: %s%n", i, real.get(i).step(),
                        real.get(i).text().replace("\n", "\\n"), emu.get(i).text().replace("\n", "\\n")));
            } else {
                report.append(String.format("step %d '%s':%n  kernel:   %s%n  emulator: %s%n", i, real.get(i).step(),
                        real.get(i).text().replace("\n", "\\n"), emu.get(i).text().replace("\n", "\\n")));
            }
        }
        System.out.printf("differential against the real zram0: %d of %d outputs identical (hot_add %s)%n%s%s", same, real.size(),
                hotAdd ? "compared" : "skipped", known, report);
        assertThat(report.toString()).as("outputs that differ").isEmpty();
    }
}
