// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The backing device of CONFIG_ZRAM_WRITEBACK ({@code zram->backing_dev}, {@code zram->bitmap},
 * {@code alloc_block_bdev}/{@code free_block_bdev}, {@code read_from_bdev}), emulated with a
 * regular FILE: block {@code i} is the 4 KiB at {@code i * 4096}. Block 0 is never used (a
 * written-back slot's handle is its block index, and 0 means none), so a file of N pages holds
 * N - 1 pages.
 *
 * <p>Opening follows {@code backing_dev_store}: a missing file is ENOENT, a directory EISDIR, a
 * file that is not regular (the kernel wants a block device; the emulator a regular file) ENOTBLK,
 * one that cannot be opened read-write EACCES, an empty one EINVAL.
 *
 * <p>Locking: the bitmap is an atomic word array (test-and-set per bit); the file is accessed with
 * positional reads and writes, which FileChannel allows concurrently. Closing happens under the
 * device's init_lock when no I/O can run.
 */
final class BackingDev implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long nrPages;
    private final AtomicLongArray bitmap;

    private BackingDev(Path path, FileChannel channel, long nrPages) {
        this.path = path;
        this.channel = channel;
        this.nrPages = nrPages;
        this.bitmap = new AtomicLongArray((int) ((nrPages + 63) >>> 6));
    }

    /** filp_open + the checks of backing_dev_store. */
    static BackingDev open(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path)) {
            throw new ErrnoException(Errno.ENOENT, "backing device " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new ErrnoException(Errno.EISDIR, "backing device " + path + " is a directory");
        }
        if (!Files.isRegularFile(path)) {
            throw new ErrnoException(Errno.ENOTBLK, "backing device " + path + " is not a regular file");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new ErrnoException(Errno.EACCES, "cannot open " + path + " read-write", e);
        } catch (NoSuchFileException e) {
            throw new ErrnoException(Errno.ENOENT, "backing device " + path + " does not exist", e);
        } catch (FileSystemException e) {
            throw new ErrnoException(Errno.EACCES, "cannot open " + path + ": " + e.getReason(), e);
        } catch (IOException | UnsupportedOperationException e) {
            throw new ErrnoException(Errno.EIO, "cannot open " + path + ": " + e.getMessage(), e);
        }
        try {
            long pages = ch.size() >>> SlotTable.PAGE_SHIFT;
            if (pages == 0) {
                throw new ErrnoException(Errno.EINVAL, "backing device " + path + " holds no page");
            }
            if (pages > (1L << 36)) {
                throw new ErrnoException(Errno.ENOMEM, "backing device " + path + " is too big for the bitmap");
            }
            return new BackingDev(path, ch, pages);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ErrnoException(Errno.EIO, "cannot size " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    Path path() {
        return path;
    }

    long nrPages() {
        return nrPages;
    }

    long bitmapBytes() {
        return 8L * bitmap.length();
    }

    /** alloc_block_bdev(): a free block index (never 0), or 0 when the file is full. */
    long allocBlock() {
        for (int w = 0; w < bitmap.length(); w++) {
            long word = bitmap.get(w);
            for (;;) {
                long free = ~word;
                if (w == 0) {
                    free &= ~1L; // block 0 is never handed out
                }
                if (free == 0) {
                    break;
                }
                int bit = Long.numberOfTrailingZeros(free);
                long idx = ((long) w << 6) + bit;
                if (idx >= nrPages) {
                    break;
                }
                long witness = bitmap.compareAndExchange(w, word, word | (1L << bit));
                if (witness == word) {
                    return idx;
                }
                word = witness;
            }
        }
        return 0;
    }

    /** free_block_bdev(): returns false if the block was not allocated (the kernel WARNs). */
    boolean freeBlock(long idx) {
        int w = (int) (idx >>> 6);
        long bit = 1L << idx;
        long prev = bitmap.getAndAccumulate(w, bit, (cur, b) -> cur & ~b);
        return (prev & bit) != 0;
    }

    /** Writes one page (4096 bytes at {@code page[0]}) to block {@code idx}. */
    void writePage(long idx, ByteBuffer page) throws IOException {
        ByteBuffer b = page.duplicate().clear().limit(SlotTable.PAGE_SIZE);
        long pos = idx << SlotTable.PAGE_SHIFT;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    /** Reads block {@code idx} into {@code dst[off .. off+4096)} (absolute; dst's position is kept). */
    void readPage(long idx, ByteBuffer dst, int off) throws IOException {
        ByteBuffer b = dst.duplicate().limit(off + SlotTable.PAGE_SIZE).position(off);
        long pos = idx << SlotTable.PAGE_SHIFT;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new IOException("backing device " + path + " ends before block " + idx);
            }
            pos += n;
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do: the file is gone from the device either way
        }
    }
}
