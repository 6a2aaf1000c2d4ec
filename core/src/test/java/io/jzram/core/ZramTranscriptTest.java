// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoIOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The data-path part of shell/src/test/resources/oracle/transcript.txt, replayed on a device; same numbers. */
@Timeout(30)
class ZramTranscriptTest {

    @Test
    void transcriptNumbers() throws Exception {
        try (Machine mc = new Machine(2)) {
            ZramDevice d = mc.device("zram0");
            d.control().setCompAlgorithm("lz4\n");
            d.setMemLimit(64L << 20);
            assertThat(d.mmStat().sysfsLine()).isEqualTo("       0        0        0 67108864        0        0        0        0        0\n");
            d.control().initialise(1L << 30);
            assertThat(d.disksize()).isEqualTo(1073741824L);

            // head -c 8192 /dev/urandom | dd of=/dev/zram0 bs=4k oflag=direct
            byte[] rnd = new byte[8192];
            new Random(1).nextBytes(rnd);
            d.write(0, ByteBuffer.wrap(rnd, 0, 4096));
            d.write(4096, ByteBuffer.wrap(rnd, 4096, 4096));
            assertThat(d.mmStat().sysfsLine()).isEqualTo("    8192     8192     8192 67108864     8192        0        0        2        2\n");
            assertThat(d.ioStat().sysfsLine()).isEqualTo("       0        0 0        0\n");
            assertThat(d.debugStat().sysfsText()).isEqualTo("version: 1\n0        0\n");
            long[] st = d.blockStat().values();
            assertThat(st[4]).as("write ios").isEqualTo(2);
            assertThat(st[6]).as("write sectors").isEqualTo(16);
            assertThat(st[0]).as("read ios").isZero();

            // dd ... seek=262144: past the end
            assertThatThrownBy(() -> d.write(262144L * 4096, ByteBuffer.allocate(4096)))
                    .isInstanceOf(ErrnoIOException.class).extracting(e -> ((ErrnoIOException) e).errno()).isEqualTo(Errno.ENOSPC);

            // blkdiscard -o 0 -l 4096
            d.discard(0, 4096);
            assertThat(d.mmStat().sysfsLine()).isEqualTo("    4096     4096     4096 67108864     8192        0        0        1        2\n");
            assertThat(d.ioStat().sysfsLine()).isEqualTo("       0        0 0        1\n");

            // dd if=/dev/zero seek=10 count=3
            d.write(10 * 4096, ByteBuffer.allocate(3 * 4096));
            assertThat(d.mmStat().sysfsLine()).isEqualTo("   16384     4096     4096 67108864     8192        3        0        1        2\n");

            // reading back
            ByteBuffer back = ByteBuffer.allocate(8192);
            d.read(0, back);
            assertThat(back.array()).startsWith(new byte[4096]);
            assertThat(java.util.Arrays.copyOfRange(back.array(), 4096, 8192)).isEqualTo(java.util.Arrays.copyOfRange(rnd, 4096, 8192));

            d.control().reset();
            assertThat(d.mmStat().sysfsLine()).isEqualTo("       0        0        0        0        0        0        0        0        0\n");
            assertThat(d.disksize()).isZero();
            assertThat(d.compAlgorithm()).isEqualTo("lzo-rle"); // back to the default
            assertThat(d.control().initState()).isFalse();
            assertThat(d.blockStat().values()).containsOnly(0L);

            d.control().initialise(100L << 30);
            assertThat(d.disksize()).isEqualTo(107374182400L);
            assertThat(d.mmStat().sysfsLine()).isEqualTo("       0        0        0        0        0        0        0        0        0\n");
            d.control().reset();
            assertThat(mc.splats().clean()).as(mc.splats().describe()).isTrue();
        }
    }
}
