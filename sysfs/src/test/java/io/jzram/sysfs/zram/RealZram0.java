// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import io.jzram.kernel.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The machine's own zram0, for differential tests: usable when /sys/block/zram0 exists, is writable
 * (root) and unused (disksize 0). Every use holds an exclusive lock on
 * {@value #LOCK_FILE} (other test classes and modules use zram0 too; a JVM-wide lock covers test
 * classes of this JVM, which a file lock cannot tell apart), and {@link #close()} always leaves
 * zram0 reset.
 */
public final class RealZram0 implements AutoCloseable {

    static final String LOCK_FILE = "/tmp/jzram-real-zram0.lock";
    static final Path SYS = Path.of("/sys/block/zram0");
    static final Path DEV = Path.of("/dev/zram0");
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();

    private final FileChannel lockChannel;
    private final FileLock lock;

    private RealZram0(FileChannel ch, FileLock lock) {
        this.lockChannel = ch;
        this.lock = lock;
    }

    /** Why zram0 cannot be used here, or empty when it can. */
    public static Optional<String> unusableReason() {
        if (!Files.isDirectory(SYS)) {
            return Optional.of("no /sys/block/zram0 on this machine (zram not built in or loaded)");
        }
        if (!Files.isWritable(SYS.resolve("disksize")) || !Files.isWritable(DEV)) {
            return Optional.of("/sys/block/zram0 is not writable here (not root?)");
        }
        try {
            if (!Files.readString(SYS.resolve("disksize")).strip().equals("0")) {
                return Optional.of("zram0 is in use (disksize != 0): not touching it");
            }
        } catch (IOException e) {
            return Optional.of("cannot read /sys/block/zram0/disksize: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Takes the locks (waiting for other users), then checks zram0 is unused; empty if it is not. */
    public static Optional<RealZram0> acquire() throws IOException {
        JVM_LOCK.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(Path.of(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.lock();
            RealZram0 z = new RealZram0(ch, l);
            if (unusableReason().isPresent()) {
                z.release();
                return Optional.empty();
            }
            return Optional.of(z);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            JVM_LOCK.unlock();
            throw e;
        }
    }

    /** cat: the whole file, or the errno's name. */
    String show(String attr) {
        try {
            return new String(Files.readAllBytes(SYS.resolve(attr)), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return errnoName(e);
        }
    }

    /** Exactly one write(2) of these bytes: the count written or the errno's name. */
    String store(String attr, byte[] data) {
        return writeOnce(SYS.resolve(attr), data);
    }

    static String writeOnce(Path p, byte[] data) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            return Integer.toString(ch.write(ByteBuffer.wrap(data)));
        } catch (IOException e) {
            return errnoName(e);
        }
    }

    /** O_DIRECT pwrite of whole pages at {@code offset} (one write per page, as dd bs=4k oflag=direct). */
    String writePages(long offset, byte[] data) {
        OpenOption direct = io.jzram.kernel.block.DirectIo.require();
        try (FileChannel ch = FileChannel.open(DEV, StandardOpenOption.WRITE, direct)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(8192).alignedSlice(4096);
            long written = 0;
            for (int off = 0; off < data.length; off += 4096) {
                buf.clear();
                buf.put(data, off, 4096).flip();
                written += ch.write(buf, offset + off);
            }
            return Long.toString(written);
        } catch (IOException e) {
            return errnoName(e);
        }
    }

    /** O_DIRECT pread of {@code len} bytes at {@code offset}, or null on error. */
    byte[] readPages(long offset, int len) throws IOException {
        OpenOption direct = io.jzram.kernel.block.DirectIo.require();
        try (FileChannel ch = FileChannel.open(DEV, StandardOpenOption.READ, direct)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(len + 4096).alignedSlice(4096);
            buf.limit(len);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    break;
                }
            }
            buf.flip();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        }
    }

    /** blkdiscard -o OFFSET -l LENGTH /dev/zram0: the exit status and output, or empty if there is no blkdiscard. */
    Optional<String> blkdiscard(long offset, long length) throws IOException, InterruptedException {
        Path tool = Path.of("/usr/sbin/blkdiscard");
        if (!Files.isExecutable(tool)) {
            tool = Path.of("/sbin/blkdiscard");
            if (!Files.isExecutable(tool)) {
                return Optional.empty();
            }
        }
        Process p = new ProcessBuilder(tool.toString(), "-o", Long.toString(offset), "-l", Long.toString(length), DEV.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return Optional.of(p.waitFor() + out);
    }

    /** The errno of a failed file operation, by its strerror text, as a name. */
    static String errnoName(IOException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        for (Errno n : Errno.values()) {
            if (msg.endsWith(n.text()) || msg.contains(n.text() + " ") || msg.contains("(" + n.text() + ")")) {
                return n.name();
            }
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return Errno.EACCES.name();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return Errno.ENOENT.name();
        }
        return "IOException(" + msg + ")";
    }

    private void release() throws IOException {
        try {
            lock.release();
            lockChannel.close();
        } finally {
            JVM_LOCK.unlock();
        }
    }

    /** Leaves zram0 reset (mem_limit 0 included) and releases the locks. */
    @Override
    public void close() throws IOException {
        try {
            writeOnce(SYS.resolve("reset"), "1".getBytes(StandardCharsets.US_ASCII));
            writeOnce(SYS.resolve("mem_limit"), "0".getBytes(StandardCharsets.US_ASCII));
        } finally {
            release();
        }
    }
}
