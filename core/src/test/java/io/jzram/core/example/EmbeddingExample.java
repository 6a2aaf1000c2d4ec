// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.example;

import io.jzram.core.MmStat;
import io.jzram.core.ZramDevice;
import io.jzram.kernel.ErrnoIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The README's "Embedding" example (the part between the markers is quoted there verbatim). */
public final class EmbeddingExample {
    private EmbeddingExample() {
    }

    public static void main(String[] args) throws IOException {
        run();
    }

    // README-BEGIN
    static MmStat run() throws IOException {
        try (ZramDevice dev = ZramDevice.builder()
                .diskSize(1L << 30)          // 1 GiB; memory is taken only as pages are written
                .algorithm("lz4")            // default lzo-rle, as the kernel; or lzo, lz4hc, zstd, deflate
                .cpus(4)                     // a private emulated machine with 4 CPUs
                .memLimit(256L << 20)        // optional: mem_limit
                .build()) {
            byte[] text = "hello, compressed world! ".repeat(200).getBytes(StandardCharsets.US_ASCII);
            ByteBuffer page = ByteBuffer.allocateDirect(4096).put(text, 0, 4096).flip();
            for (long i = 0; i < 1000; i++) {
                dev.write(i * 4096, page.clear());                // 4 KiB-aligned: the fast path
            }
            dev.write(5000L * 4096, ByteBuffer.allocate(4096));   // a zero page costs no memory
            dev.write(7 * 4096 + 100, ByteBuffer.wrap(text, 0, 10)); // any byte range works too

            ByteBuffer back = ByteBuffer.allocate(4096);
            dev.read(123 * 4096, back);                           // decompressed straight into back
            dev.discard(0, 10 * 4096);                            // frees pages 0..9

            try {
                dev.write(1L << 30, ByteBuffer.allocate(4096));   // past the end
            } catch (ErrnoIOException e) {
                System.out.println("write past the end: " + e.errno()); // ENOSPC
            }
            MmStat s = dev.mmStat();
            System.out.printf("%d bytes stored in %d bytes of memory; same_pages %d, huge_pages %d; %s%n",
                    s.origDataSize(), s.memUsedTotal(), s.samePages(), s.hugePages(), dev.ioStat());
            return s;
        } // close() resets the device: the pool, the table and the streams give back every byte
    }
    // README-END
}
