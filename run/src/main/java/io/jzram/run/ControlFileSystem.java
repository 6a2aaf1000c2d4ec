// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.Caller;
import io.jzram.fuse.DirEntry;
import io.jzram.fuse.FileAttr;
import io.jzram.fuse.FsException;
import io.jzram.fuse.FuseFileSystem;
import io.jzram.fuse.OpenFile;
import io.jzram.fuse.OpenFlags;
import io.jzram.kernel.Errno;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The run's control files, mounted in the namespace (not over any real path):
 * <ul>
 *   <li>{@code ctl}: a wrapper script opens it read-write, writes its name and arguments
 *       (NUL-terminated, "modprobe\0-r\0zram\0"), then reads back a shell snippet that prints
 *       the command's stdout and stderr and exits with its status, and evals it. The command runs
 *       on the first read, through {@link Function commands} (the shell module's commands on the
 *       machine), on the FUSE worker serving that read;
 *   <li>{@code modules}: the machine's /proc/modules, bound over the real one where the host has
 *       one (for programs that read it directly).
 * </ul>
 * Mirrors nothing in the kernel: it is the syscall boundary (init_module, delete_module, syslog)
 * moved to a file.
 *
 * <p>Threading: each open of ctl is its own request; its handle is synchronized.
 */
final class ControlFileSystem implements FuseFileSystem {
    /** What a command answered. */
    record Reply(String out, String err, int status) {
        /** A snippet for bash's eval: printf the outputs, then exit with the status. */
        String script() {
            StringBuilder sb = new StringBuilder();
            if (!out.isEmpty()) {
                sb.append("printf '%s' ").append(quote(out)).append('\n');
            }
            if (!err.isEmpty()) {
                sb.append("printf '%s' ").append(quote(err)).append(" >&2\n");
            }
            return sb.append("exit ").append(status).append('\n').toString();
        }
    }

    private final Function<List<String>, Reply> commands;
    private final Supplier<String> procModules;
    private final long time = System.currentTimeMillis() * 1_000_000L;

    ControlFileSystem(Function<List<String>, Reply> commands, Supplier<String> procModules) {
        this.commands = commands;
        this.procModules = procModules;
    }

    /** Single-quoted for sh: ' becomes '\''. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public FileAttr getattr(Caller caller, String path) {
        switch (path) {
            case "/":
                return FileAttr.directory(0755, time);
            case "/ctl":
                return FileAttr.file(0666, 0, time);
            case "/modules":
                return FileAttr.file(0444, 0, time);
            default:
                throw new FsException(Errno.ENOENT);
        }
    }

    @Override
    public List<DirEntry> readdir(Caller caller, String path) {
        if (!path.equals("/")) {
            getattr(caller, path);
            throw new FsException(Errno.ENOTDIR);
        }
        return List.of(new DirEntry("ctl", FileAttr.S_IFREG), new DirEntry("modules", FileAttr.S_IFREG));
    }

    @Override
    public OpenFile open(Caller caller, String path, int flags) {
        getattr(caller, path);
        switch (path) {
            case "/ctl":
                return new Request();
            case "/modules":
                if (OpenFlags.writable(flags)) {
                    throw new FsException(Errno.EACCES);
                }
                return new ContentFile(procModules.get().getBytes(StandardCharsets.UTF_8));
            default:
                throw new FsException(Errno.EISDIR);
        }
    }

    @Override
    public void truncate(Caller caller, String path, long size, OpenFile file) {
        getattr(caller, path); // bash's <> does not truncate; a > would: accepted, nothing to cut
    }

    /** One command: its arguments come in by writes, its answer goes out by reads. */
    private final class Request implements OpenFile {
        private final ByteArrayOutputStream in = new ByteArrayOutputStream();
        private byte[] answer;
        private int sent;

        @Override
        public synchronized int write(Caller caller, long offset, ByteBuffer src) {
            if (answer != null) {
                throw new FsException(Errno.EBADF, "the command already ran");
            }
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            in.write(b, 0, n);
            return n;
        }

        @Override
        public synchronized int read(Caller caller, long offset, ByteBuffer dst) {
            if (answer == null) {
                List<String> argv = new ArrayList<>();
                String all = in.toString(StandardCharsets.UTF_8);
                int start = 0;
                for (int i = 0; i < all.length(); i++) {
                    if (all.charAt(i) == '\0') {
                        argv.add(all.substring(start, i));
                        start = i + 1;
                    }
                }
                Reply r = argv.isEmpty() ? new Reply("", "jzram run: empty request\n", 2) : commands.apply(argv);
                answer = r.script().getBytes(StandardCharsets.UTF_8);
            }
            int n = Math.min(dst.remaining(), answer.length - sent);
            dst.put(answer, sent, n);
            sent += n;
            return n;
        }
    }
}
