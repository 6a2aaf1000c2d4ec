// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import io.jzram.kernel.KernelLog;
import java.util.Arrays;
import java.util.Locale;

/**
 * The page a show() fills: the PAGE_SIZE buffer that sysfs_kf_seq_show takes from the seq_file and
 * zeroes before calling {@code ->show} (fs/sysfs/file.c). The helpers mirror what drivers write
 * into it with:
 *
 * <ul>
 *   <li>{@link #emit}/{@link #emitf} and {@link #emitAt}/{@link #emitAtf}: sysfs_emit and
 *       sysfs_emit_at (vscnprintf into the rest of the page: at most {@code PAGE_SIZE - at - 1}
 *       bytes, returns the bytes written; an offset outside the page WARNs and writes nothing);
 *   <li>{@link #snprintf}: snprintf(buf + at, PAGE_SIZE - at, ...), which truncates the same way but
 *       returns the length the text would have had (so a show can return a "bad count");
 *   <li>{@link #put}: memcpy into the page.
 * </ul>
 * Characters map to bytes one to one (ISO-8859-1), as C strings are bytes.
 *
 * <p>Not thread-safe: one show fills one page.
 */
public final class PageBuffer {

    /** PAGE_SIZE on x86-64. */
    public static final int PAGE_SIZE = 4096;

    private final KernelLog log;
    private final byte[] page = new byte[PAGE_SIZE];
    private int end;

    PageBuffer(KernelLog log) {
        this.log = log;
    }

    /** A page for code outside kernfs that wants to call a show directly (tests, tools). */
    public static PageBuffer standalone(KernelLog log) {
        return new PageBuffer(log);
    }

    /** sysfs_emit(buf, "%s", text): writes at offset 0, returns the bytes written. */
    public int emit(String text) {
        return emitAt(0, text);
    }

    /** sysfs_emit(buf, fmt, ...) with Java's formatter (Locale.ROOT). */
    public int emitf(String format, Object... args) {
        return emitAt(0, String.format(Locale.ROOT, format, args));
    }

    /** sysfs_emit_at(buf, at, "%s", text). */
    public int emitAt(int at, String text) {
        if (at < 0 || at >= PAGE_SIZE) {
            log.warnSplat("fs/sysfs/file.c:789 sysfs_emit_at", "invalid sysfs_emit_at: buf:00000000 at:" + at);
            return 0;
        }
        return copyTruncated(at, text);
    }

    /** sysfs_emit_at(buf, at, fmt, ...). */
    public int emitAtf(int at, String format, Object... args) {
        return emitAt(at, String.format(Locale.ROOT, format, args));
    }

    /** sysfs_emit_at(buf, length(), text): appends after what was written so far. */
    public int append(String text) {
        return emitAt(end, text);
    }

    /** {@link #append} with a format. */
    public int appendf(String format, Object... args) {
        return emitAt(end, String.format(Locale.ROOT, format, args));
    }

    /**
     * snprintf(buf + at, PAGE_SIZE - at, "%s", text): writes what fits (leaving room for the NUL) and
     * returns the full length of {@code text}, which may exceed the room left.
     */
    public int snprintf(int at, String text) {
        if (at < 0 || at > PAGE_SIZE) {
            throw new IndexOutOfBoundsException("snprintf at " + at + " outside the page");
        }
        if (at < PAGE_SIZE) {
            copyTruncated(at, text);
        }
        return text.length();
    }

    /** memcpy(buf + at, src + off, len); the page has exactly PAGE_SIZE bytes. */
    public int put(int at, byte[] src, int off, int len) {
        if (at < 0 || len < 0 || at + len > PAGE_SIZE) {
            throw new IndexOutOfBoundsException("memcpy of " + len + " bytes at " + at + " overruns the page");
        }
        System.arraycopy(src, off, page, at, len);
        end = Math.max(end, at + len);
        return len;
    }

    /** The highest offset written so far (the length a well-behaved show returns). */
    public int length() {
        return end;
    }

    /** The byte at an offset (the page is zeroed before show). */
    public byte byteAt(int offset) {
        return page[offset];
    }

    /** A copy of the first {@code count} bytes. */
    public byte[] bytes(int count) {
        return Arrays.copyOf(page, count);
    }

    /** The first {@code count} bytes as text. */
    public String text(int count) {
        return new String(page, 0, count, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private int copyTruncated(int at, String text) {
        int room = PAGE_SIZE - at - 1;
        int n = Math.min(room, text.length());
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            page[at + i] = (byte) (c <= 0xFF ? c : '?');
        }
        page[at + n] = 0;
        end = Math.max(end, at + n);
        return n;
    }
}
