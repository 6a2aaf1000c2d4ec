// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Where the shell's commands read and write: file descriptors over the emulated machine's files
 * (/sys and /dev), the host's files (every other path, relative to the working directory), the
 * console, pipes and the shell's own /dev/urandom, /dev/random, /dev/stdin, /dev/stdout and
 * /dev/stderr. Every failure is an {@link ErrnoException} with the errno the syscall would give.
 */
final class Io {

    private Io() {
    }

    /** A readable descriptor: read(2) returns -1 at end of file. */
    interface In extends AutoCloseable {
        int read(byte[] b, int off, int len);

        /** lseek; ESPIPE where the descriptor cannot seek. */
        default void seek(long pos) {
            throw new ErrnoException(Errno.ESPIPE, "illegal seek");
        }

        @Override
        default void close() {
        }
    }

    /** A writable descriptor: write(2) returns the bytes written (maybe fewer than asked). */
    interface Out extends AutoCloseable {
        int write(byte[] b, int off, int len);

        default void seek(long pos) {
            throw new ErrnoException(Errno.ESPIPE, "illegal seek");
        }

        /** fsync. */
        default void sync() {
        }

        @Override
        default void close() {
        }

        /** Writes all of it, write(2) after write(2), as stdio's fflush does. */
        default void writeAll(byte[] b, int off, int len) {
            int done = 0;
            while (done < len) {
                int n = write(b, off + done, len - done);
                if (n <= 0) {
                    throw new ErrnoException(Errno.EIO, "short write");
                }
                done += n;
            }
        }

        default void writeAll(byte[] b) {
            writeAll(b, 0, b.length);
        }
    }

    /** The reading end of a closed pipe: writes fail with EPIPE (the writer is killed by SIGPIPE). */
    static final class BrokenPipe extends ErrnoException {
        private static final long serialVersionUID = 1L;

        BrokenPipe() {
            super(Errno.EPIPE, "broken pipe");
        }
    }

    static ErrnoException errno(IOException e) {
        if (e instanceof NoSuchFileException) {
            return new ErrnoException(Errno.ENOENT, e.getMessage(), e);
        }
        if (e instanceof AccessDeniedException) {
            return new ErrnoException(Errno.EACCES, e.getMessage(), e);
        }
        if (e instanceof NotDirectoryException) {
            return new ErrnoException(Errno.ENOTDIR, e.getMessage(), e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new ErrnoException(Errno.EEXIST, e.getMessage(), e);
        }
        String msg = e.getMessage() == null ? "" : e.getMessage();
        for (Errno n : Errno.values()) {
            if (msg.endsWith(n.text()) || msg.contains(n.text() + ")")) {
                return new ErrnoException(n, msg, e);
            }
        }
        if (msg.contains("Is a directory")) {
            return new ErrnoException(Errno.EISDIR, msg, e);
        }
        return new ErrnoException(Errno.EIO, msg, e);
    }

    // ---------------------------------------------------------------- the file system the shell sees

    /** Path routing: /sys and /dev are the machine's, the rest the host's. */
    static final class Fs {
        private final Machine machine;
        private final Random random;

        Fs(Machine machine, Random random) {
            this.machine = machine;
            this.random = random;
        }

        Machine machine() {
            return machine;
        }

        static boolean isMachinePath(String path) {
            return path.equals("/sys") || path.startsWith("/sys/") || path.equals("/dev") || path.startsWith("/dev/");
        }

        /** open(path, O_RDONLY). {@code stdin} is what /dev/stdin and "-" read. */
        In openRead(String path, In stdin) {
            if (path.equals("/dev/urandom") || path.equals("/dev/random")) {
                return (b, off, len) -> {
                    byte[] x = new byte[len];
                    synchronized (random) {
                        random.nextBytes(x);
                    }
                    System.arraycopy(x, 0, b, off, len);
                    return len;
                };
            }
            if (path.equals("/dev/stdin") || path.equals("-")) {
                return stdin;
            }
            if (isMachinePath(path)) {
                return machineIn(machine.open(path, OpenFlag.RDONLY));
            }
            Path p = Path.of(path);
            if (Files.isDirectory(p)) {
                return new In() {
                    @Override
                    public int read(byte[] b, int off, int len) {
                        throw new ErrnoException(Errno.EISDIR, path + " is a directory");
                    }
                };
            }
            try {
                FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                return new In() {
                    @Override
                    public int read(byte[] b, int off, int len) {
                        try {
                            return ch.read(ByteBuffer.wrap(b, off, len));
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }

                    @Override
                    public void seek(long pos) {
                        try {
                            ch.position(pos);
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }

                    @Override
                    public void close() {
                        try {
                            ch.close();
                        } catch (IOException e) {
                            // close errors of a read-only file are of no interest
                        }
                    }
                };
            } catch (IOException e) {
                throw errno(e);
            }
        }

        static In machineIn(MachineFile f) {
            return new In() {
                @Override
                public int read(byte[] b, int off, int len) {
                    int n = f.read(b, off, len);
                    return n == 0 && len > 0 ? -1 : n;
                }

                @Override
                public void seek(long pos) {
                    f.seek(pos);
                }

                @Override
                public void close() {
                    f.close();
                }
            };
        }

        /**
         * open(path, O_WRONLY|O_CREAT|(append ? O_APPEND : trunc ? O_TRUNC : 0)). /dev/stdout and
         * /dev/stderr are the given descriptors.
         */
        Out openWrite(String path, boolean append, boolean trunc, Out stdout, Out stderr) {
            if (path.equals("/dev/stdout")) {
                return stdout;
            }
            if (path.equals("/dev/stderr")) {
                return stderr;
            }
            if (isMachinePath(path)) {
                List<OpenFlag> flags = new ArrayList<>(List.of(OpenFlag.WRONLY, OpenFlag.CREAT));
                if (trunc) {
                    flags.add(OpenFlag.TRUNC);
                }
                MachineFile f = machine.open(path, flags.toArray(new OpenFlag[0]));
                return new Out() {
                    @Override
                    public int write(byte[] b, int off, int len) {
                        return f.write(b, off, len);
                    }

                    @Override
                    public void seek(long pos) {
                        f.seek(pos);
                    }

                    @Override
                    public void close() {
                        f.close();
                    }
                };
            }
            Path p = Path.of(path);
            if (Files.isDirectory(p)) {
                throw new ErrnoException(Errno.EISDIR, path + " is a directory");
            }
            List<OpenOption> opts = new ArrayList<>(List.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE));
            if (append) {
                opts.add(StandardOpenOption.APPEND);
            } else if (trunc) {
                opts.add(StandardOpenOption.TRUNCATE_EXISTING);
            }
            try {
                FileChannel ch = FileChannel.open(p, opts.toArray(new OpenOption[0]));
                return new Out() {
                    @Override
                    public int write(byte[] b, int off, int len) {
                        try {
                            return ch.write(ByteBuffer.wrap(b, off, len));
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }

                    @Override
                    public void seek(long pos) {
                        try {
                            ch.position(pos);
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }

                    @Override
                    public void sync() {
                        try {
                            ch.force(true);
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }

                    @Override
                    public void close() {
                        try {
                            ch.close();
                        } catch (IOException e) {
                            throw errno(e);
                        }
                    }
                };
            } catch (IOException e) {
                throw errno(e);
            }
        }

        /** A host file cut to {@code size} bytes (dd's ftruncate of a regular output file). */
        static void truncateHost(String path, long size) {
            if (isMachinePath(path)) {
                return;
            }
            try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.WRITE)) {
                if (ch.size() > size) {
                    ch.truncate(size);
                }
            } catch (IOException e) {
                throw errno(e);
            }
        }
    }

    // ---------------------------------------------------------------- console and pipes

    /** A console stream (the shell's stdout or stderr): writes go straight out, whole. */
    static Out console(OutputStream os) {
        return (b, off, len) -> {
            synchronized (os) {
                try {
                    os.write(b, off, len);
                    os.flush();
                } catch (IOException e) {
                    throw errno(e);
                }
            }
            return len;
        };
    }

    static In input(InputStream is) {
        return (b, off, len) -> {
            try {
                return is.read(b, off, len);
            } catch (IOException e) {
                throw errno(e);
            }
        };
    }

    static In empty() {
        return (b, off, len) -> -1;
    }

    /** A pipe: a bounded buffer between two commands running on their own threads. */
    static final class Pipe {
        private final byte[] buf = new byte[1 << 16];
        private int head;
        private int count;
        private boolean writerClosed;
        private boolean readerClosed;

        final In in = new In() {
            @Override
            public int read(byte[] b, int off, int len) {
                synchronized (Pipe.this) {
                    while (count == 0 && !writerClosed) {
                        waitQuietly();
                    }
                    if (count == 0) {
                        return -1;
                    }
                    int n = Math.min(len, count);
                    for (int i = 0; i < n; i++) {
                        b[off + i] = buf[(head + i) % buf.length];
                    }
                    head = (head + n) % buf.length;
                    count -= n;
                    Pipe.this.notifyAll();
                    return n;
                }
            }

            @Override
            public void close() {
                synchronized (Pipe.this) {
                    readerClosed = true;
                    Pipe.this.notifyAll();
                }
            }
        };

        final Out out = new Out() {
            @Override
            public int write(byte[] b, int off, int len) {
                synchronized (Pipe.this) {
                    while (count == buf.length && !readerClosed) {
                        waitQuietly();
                    }
                    if (readerClosed) {
                        throw new BrokenPipe();
                    }
                    int n = Math.min(len, buf.length - count);
                    int tail = (head + count) % buf.length;
                    for (int i = 0; i < n; i++) {
                        buf[(tail + i) % buf.length] = b[off + i];
                    }
                    count += n;
                    Pipe.this.notifyAll();
                    return n;
                }
            }

            @Override
            public void close() {
                synchronized (Pipe.this) {
                    writerClosed = true;
                    Pipe.this.notifyAll();
                }
            }
        };

        private void waitQuietly() {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "interrupted");
            }
        }
    }
}
