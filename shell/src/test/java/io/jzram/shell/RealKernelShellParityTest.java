// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.RealZram0;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One script run by bash on the machine's own kernel (its zram0, as root) and by jzram sh on an
 * emulated machine configured like it: stdout and stderr compared, with the documented
 * normalisations of comp_algorithm listings. Skipped where zram0 is not usable; holds
 * /tmp/jzram-real-zram0.lock and leaves zram0 reset.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealKernelShellParityTest {

    @TempDir
    Path tmp;

    private static final String SCRIPT = """
            cat /sys/block/zram0/comp_algorithm
            echo lz4 > /sys/block/zram0/comp_algorithm
            cat /sys/block/zram0/comp_algorithm
            echo 8M > /sys/block/zram0/disksize
            cat /sys/block/zram0/disksize /sys/block/zram0/initstate /sys/block/zram0/size
            dd if=/dev/zero of=/dev/zram0 bs=4k count=16 oflag=direct status=none
            dd if=T/r of=/dev/zram0 bs=4k seek=16 oflag=direct status=none
            dd if=T/t of=/dev/zram0 bs=4k seek=20 oflag=direct status=none
            dd if=/dev/zram0 bs=4k skip=16 count=4 iflag=direct status=none | cmp - T/r; echo cmp=$?
            dd if=/dev/zram0 bs=4k skip=16 count=4 status=none | od -An -tx1 -N 8
            cat /sys/block/zram0/mm_stat /sys/block/zram0/io_stat
            dd if=/dev/zero of=/dev/zram0 bs=4k seek=2048 count=1 oflag=direct status=none; echo dd=$?
            dd if=/dev/zram0 of=/dev/null bs=4k skip=2047 count=2 status=noxfer
            blkdiscard -o 65536 -l 16384 /dev/zram0; echo blkdiscard=$?
            blkdiscard -o 1 -l 4096 /dev/zram0; echo blkdiscard=$?
            cat /sys/block/zram0/mm_stat /sys/block/zram0/io_stat
            sleep 1 < /dev/zram0 &
            sleep 0.3
            echo 1 > /sys/block/zram0/reset
            cat /sys/block/zram0/initstate
            wait
            echo 1 > /sys/block/zram0/reset; echo reset=$?
            cat /sys/block/zram0/initstate /sys/block/zram0/disksize
            blkdiscard /dev/zram0; echo blkdiscard=$?
            ls /sys/block/zram0/queue | grep block_size
            echo 1 > /sys/block/zram0/mem_used_max
            cat /sys/block/zram0/reset
            echo 1 > /sys/block/zram0/nonexistent
            cat /sys/class/zram-control/hot_remove
            echo 1 > /sys/class/zram-control/hot_add
            echo 9 > /sys/class/zram-control/hot_remove
            echo 1 > /sys/block/zram0/idle
            echo all > /sys/block/zram0/idle
            """;

    /** comp_algorithm listings as the algorithm selected (the kernel's lzo-rle and the emulator's default: "default"). */
    static String normalise(String s, String dflt) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(?:\\[?[a-z0-9-]+\\]? )+$").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            java.util.regex.Matcher sel = java.util.regex.Pattern.compile("\\[([a-z0-9-]+)\\]").matcher(m.group());
            String name = sel.find() ? sel.group(1) : "none";
            m.appendReplacement(sb, "[listing, selected " + (name.equals("lzo-rle") || name.equals(dflt) ? "default" : name) + "]");
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Test
    void sameScriptSameOutputs() throws IOException, InterruptedException {
        Optional<String> why = RealZram0.unusableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "skipped: no /bin/bash");
        byte[] r = new byte[16384];
        new Random(7).nextBytes(r);
        Files.write(tmp.resolve("r"), r);
        byte[] t = new byte[4096];
        for (int i = 0; i < t.length; i++) {
            t[i] = (byte) "jzram sh parity text page ".charAt(i % 26);
        }
        Files.write(tmp.resolve("t"), t);
        String script = SCRIPT.replace("T/", tmp + "/");
        Path file = tmp.resolve("parity.sh");
        Files.writeString(file, script);

        String bo;
        String be;
        int bs;
        Optional<RealZram0> lock = RealZram0.acquire();
        Assumptions.assumeTrue(lock.isPresent(), "skipped: zram0 became busy");
        RealZram0 z = lock.get();
        try {
            Process p = new ProcessBuilder("/bin/bash", file.toString()).directory(tmp.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            bo = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            be = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            bs = p.waitFor();
        } finally {
            z.close();
        }
        String dflt;
        try (Machine probe = Machine.builder().cpus(2).build()) {
            dflt = probe.zram().backends().names().stream().filter(n -> !n.equals("lz4")).findFirst().orElseThrow();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Machine m = Machine.builder().cpus(2).zramKconfig(ZramKconfig.realKernel().withDefaultCompressor(dflt)).build()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            status = Shell.builder(m).name(file.toString()).out(out).err(err).seed(1).build().run(new StringReader(script));
            assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        }
        String jo = out.toString(StandardCharsets.UTF_8);
        String je = err.toString(StandardCharsets.UTF_8);
        if (!normalise(jo, dflt).equals(normalise(bo, dflt)) || !je.equals(be)) {
            TargetDump.write("real-parity", Map.of("bash.out", bo, "bash.err", be, "jzram.out", jo, "jzram.err", je));
        }
        assertThat(normalise(jo, dflt)).as("stdout").isEqualTo(normalise(bo, dflt));
        assertThat(je.replaceAll("[0-9.e+-]+ s, [0-9.]+ [kMG]?B/s", "T s, R/s")).as("stderr")
                .isEqualTo(be.replaceAll("[0-9.e+-]+ s, [0-9.]+ [kMG]?B/s", "T s, R/s"));
        assertThat(status).isEqualTo(bs);
        System.out.printf("real kernel shell parity: %d stdout and %d stderr lines as bash on the real zram0%n",
                bo.split("\n").length, be.split("\n").length);
    }
}
