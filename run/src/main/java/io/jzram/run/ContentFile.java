// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.Caller;
import io.jzram.fuse.OpenFile;
import java.nio.ByteBuffer;

/**
 * A read-only open file whose content was fixed at open, as seq_file shows a snapshot to one open
 * (the synthesized /sys files, /proc/modules). Immutable; thread-safe.
 */
final class ContentFile implements OpenFile {
    private final byte[] content;

    ContentFile(byte[] content) {
        this.content = content.clone();
    }

    @Override
    public int read(Caller caller, long offset, ByteBuffer dst) {
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), content.length - offset);
        dst.put(content, (int) offset, n);
        return n;
    }
}
