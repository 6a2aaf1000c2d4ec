// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.jzram.kernel.block.DirectIo;
import io.jzram.core.backend.LzoBackend;
import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.core.backend.ZcompParams;
import io.jzram.core.zsmalloc.ZsPool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Page by page against the machine's own kernel: each generated page is written alone, with
 * O_DIRECT, into a hot-added zram device set to lzo-rle (then lzo), and the growth of mm_stat's
 * compr_data_size must be what zram stores for this codec's compressed length: nothing for a
 * same-filled page, 4096 (a huge page) when the length reaches zsmalloc's huge class size, the
 * length otherwise. Equal sizes on hundreds of varied pages mean the same match decisions as the
 * kernel's LZO1X-1, byte for byte in all but name.
 *
 * <p>Skips, saying why, where the kernel's zram is not usable (not Linux, not root, no zram, no
 * hot_add) or lacks the algorithm. Never uses zram0; always removes the device it added.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KernelLzoParityTest {
    private static final int PAGE = 4096;
    private static final int PAGES = 1000;

    /** Generated pages: PageGen's kinds, mixtures, noise near the huge threshold, zero runs, patterns. */
    static byte[] page(int i) {
        SplittableRandom r = new SplittableRandom(0x1_0000L + i);
        PageGen[] gens = PageGen.values();
        switch (i % 10) {
            case 0, 1 -> {
                return gens[(i / 10 + i) % gens.length].bytes(r, PAGE);
            }
            case 2, 3 -> {
                // text or records with edits and holes
                byte[] b = gens[r.nextBoolean() ? PageGen.TEXT.ordinal() : PageGen.STRUCTS.ordinal()].bytes(r, PAGE);
                for (int e = r.nextInt(40); e > 0; e--) {
                    int at = r.nextInt(PAGE);
                    int len = Math.min(PAGE - at, 1 + r.nextInt(200));
                    if (r.nextBoolean()) {
                        Arrays.fill(b, at, at + len, (byte) 0);
                    } else {
                        for (int q = 0; q < len; q++) {
                            b[at + q] = (byte) r.nextInt(256);
                        }
                    }
                }
                return b;
            }
            case 4, 5, 6 -> {
                byte[] b = new byte[PAGE];
                int o = 0;
                while (o < PAGE) {
                    int len = Math.min(PAGE - o, 1 + r.nextInt(r.nextBoolean() ? 64 : 1500));
                    byte[] seg = gens[r.nextInt(gens.length)].bytes(r, PAGE);
                    System.arraycopy(seg, r.nextInt(PAGE - len + 1), b, o, len);
                    o += len;
                }
                return b;
            }
            case 7 -> {
                byte[] b = new byte[PAGE];
                int density = 5 + r.nextInt(r.nextBoolean() ? 40 : 90);
                for (int k = 0; k < PAGE; k++) {
                    b[k] = r.nextInt(100) < density ? (byte) r.nextInt(256) : 0;
                }
                return b;
            }
            case 8 -> {
                byte[] b = new byte[PAGE];
                int o = 0;
                while (o < PAGE) {
                    o += Math.min(PAGE - o, 1 + r.nextInt(r.nextInt(4) == 0 ? 2100 : 40)); // zeros
                    int lit = Math.min(PAGE - o, 1 + r.nextInt(12));
                    for (int k = 0; k < lit; k++) {
                        b[o + k] = (byte) (1 + r.nextInt(255));
                    }
                    o += lit;
                }
                return b;
            }
            default -> {
                byte[] b = new byte[PAGE];
                int period = 1 + r.nextInt(r.nextBoolean() ? 8 : 300);
                for (int k = 0; k < PAGE; k++) {
                    b[k] = k < period || r.nextInt(200) == 0 ? (byte) r.nextInt(256) : b[k - period];
                }
                return b;
            }
        }
    }

    static boolean sameFilled(byte[] page) {
        ByteBuffer p = ByteBuffer.wrap(page).order(ByteOrder.nativeOrder());
        long first = p.getLong(0);
        for (int k = 8; k < PAGE; k += 8) {
            if (p.getLong(k) != first) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo-rle", "lzo"})
    void everyPageCompressesToTheKernelsSize(String algorithm) throws Exception {
        assumeThat(Files.isReadable(Path.of("/sys/class/zram-control/hot_add")))
                .as("no /sys/class/zram-control/hot_add (not Linux, no zram, or not root); skipping the per-page kernel parity check")
                .isTrue();
        KernelZram k = KernelZram.open();
        assumeThat(k).as("kernel zram not usable: " + KernelZram.whyNot + "; skipping the per-page kernel parity check").isNotNull();
        if (k.id == 0) {
            // hot_add failed and KernelZram fell back to zram0: leave zram0 alone (not even a reset)
            assumeThat(false).as("hot_add did not give a device of our own; not touching zram0").isTrue();
        }
        try (k) {
            assumeThat(k.read("comp_algorithm")).as("the kernel's zram offers no " + algorithm).contains(algorithm);
            k.reset();
            k.write("comp_algorithm", algorithm);
            k.write("disksize", String.valueOf((long) PAGES * PAGE));
            int hugeClass;
            try (ZsPool pool = new ZsPool("huge-class")) {
                hugeClass = pool.hugeClassSize();
            }
            ZcompBackend backend = algorithm.equals("lzo-rle") ? LzoBackend.lzoRle() : LzoBackend.lzo();
            int matched = 0;
            int same = 0;
            int huge = 0;
            int exact = 0;
            List<String> mismatches = new ArrayList<>();
            ByteBuffer aligned = ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE);
            aligned.limit(PAGE);
            try (ZcompConfig config = backend.setup(ZcompParams.defaults());
                    ZcompContext ctx = config.createContext();
                    FileChannel dev = FileChannel.open(k.dev, StandardOpenOption.WRITE, DirectIo.require())) {
                ByteBuffer packed = ByteBuffer.allocate(2 * PAGE);
                ByteBuffer back = ByteBuffer.allocate(PAGE);
                for (int i = 0; i < PAGES; i++) {
                    byte[] page = page(i);
                    long expected;
                    long expectedHuge = 0;
                    if (sameFilled(page)) {
                        expected = 0;
                        same++;
                    } else {
                        int n = ctx.compress(ByteBuffer.wrap(page), 0, packed, 0, 2 * PAGE);
                        ctx.decompress(packed, 0, n, back, 0);
                        assertThat(back.array()).as("page %d round trip", i).isEqualTo(page);
                        expected = n >= hugeClass ? PAGE : n;
                        expectedHuge = n >= hugeClass ? 1 : 0;
                        huge += (int) expectedHuge;
                        exact += 1 - (int) expectedHuge;
                    }
                    long[] before = k.mmStat();
                    aligned.clear().limit(PAGE);
                    aligned.put(0, page);
                    assertThat(dev.write(aligned, (long) i * PAGE)).isEqualTo(PAGE);
                    long[] after = k.mmStat();
                    long kernel = after[1] - before[1];
                    long kernelHuge = after[7] - before[7];
                    if (kernel == expected && kernelHuge == expectedHuge) {
                        matched++;
                    } else {
                        mismatches.add("page " + i + ": kernel stored " + kernel + (kernelHuge != 0 ? " (huge)" : "")
                                + ", jzram " + expected + (expectedHuge != 0 ? " (huge)" : ""));
                    }
                }
                long[] end = k.mmStat();
                assertThat(end[0]).as("orig_data_size").isEqualTo((long) PAGES * PAGE);
                assertThat(end[5]).as("same_pages").isEqualTo(same);
                assertThat(end[7]).as("huge_pages").isEqualTo(huge);
            }
            System.out.printf("%s per-page parity with the kernel (zram%d, huge class %d): %d/%d pages matched "
                    + "(%d compressed below the huge class, sizes compared exactly; %d same-filled; %d huge)%n",
                    algorithm, k.id, hugeClass, matched, PAGES, exact, same, huge);
            assertThat(mismatches).as(algorithm + ": pages whose size differs from the kernel's").isEmpty();
            assertThat(matched).isEqualTo(PAGES);
            assertThat(Arrays.asList(same, huge)).allSatisfy(v -> assertThat(v).isPositive());
            assertThat(exact).isGreaterThan(PAGES / 2);
        }
    }
}
