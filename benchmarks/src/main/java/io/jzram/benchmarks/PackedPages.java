// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

import io.jzram.core.ZramDevice;
import io.jzram.core.backend.RawCodec;
import java.nio.ByteBuffer;

/**
 * Pages compressed once by a raw codec, the input of the decompression baselines. A page whose
 * compressed length reaches zram's huge class size is one the device stores raw: a baseline
 * "decompresses" it by copying the page ({@link #copyIfRaw}), as a device read does.
 */
final class PackedPages {
    private static final int PAGE = PageSource.PAGE;

    final ByteBuffer buffer;
    private final ByteBuffer source;
    private final int[] offset;
    private final int[] length;
    private final long stored;

    /** The {@code count} pages of {@code source}, compressed with {@code algorithm}'s {@link RawCodec}. */
    PackedPages(ByteBuffer source, int count, String algorithm) {
        this.source = source;
        this.buffer = ByteBuffer.allocateDirect(count * (PAGE + 128));
        this.offset = new int[count];
        this.length = new int[count];
        long total = 0;
        try (RawCodec c = RawCodec.of(algorithm)) {
            int off = 0;
            for (int i = 0; i < count; i++) {
                int n = c.compress(source, i * PAGE, buffer, off, 2 * PAGE);
                offset[i] = off;
                length[i] = n;
                off += n;
                total += n >= ZramDevice.hugeClassSize() ? PAGE : n;
            }
        }
        this.stored = total;
    }

    int offset(int i) {
        return offset[i];
    }

    int length(int i) {
        return length[i];
    }

    /** Bytes the device would store for the pages over their size (huge pages count whole). */
    double storedRatio() {
        return (double) stored / ((long) offset.length * PAGE);
    }

    /** For a page zram stores raw: copies it into {@code dst} and returns its length; otherwise 0. */
    int copyIfRaw(int i, ByteBuffer dst) {
        if (length[i] < ZramDevice.hugeClassSize()) {
            return 0;
        }
        dst.put(0, source, i * PAGE, PAGE);
        return PAGE;
    }
}
