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
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.module.KernelOops;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The emulated machine's /sys served to real processes (fs/sysfs over kernfs, as FUSE): a lookup
 * is {@link Machine#lstat}, a directory listing {@link Machine#ls}, a symlink {@link Machine#readlink},
 * an open {@link Machine#open} (so KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK answers EACCES for a
 * write-open of a read-only attribute, and a file removed under an open one answers as kernfs),
 * a read one {@link MachineFile#read} at the caller's offset (the seq_file show), and a write one
 * store of exactly the bytes of that write(2). Errors are the machine's errnos, passed through; an
 * oops (a call into an unloaded module) kills the calling process, as the kernel kills the task.
 *
 * <p>Besides the machine's tree it shows what a real /sys has and the emulated sysfs does not
 * (yet): {@code /sys/module/NAME} for each loaded module (initstate, refcnt, holders/: what kmod
 * reads), {@code /sys/dev/block/MAJ:MIN} links for the emulated disks and for the loop devices that
 * stand for them (a tool that stats /dev/zramN gets the loop's number and looks it up there:
 * zramctl), and an empty {@code /sys/fs} on which the host's is bound (cgroups).
 *
 * <p>O_TRUNC arrives as a separate truncate(path, 0), which is accepted and ignored (kernfs's
 * setattr ignores the size). Attributes report st_size 4096 and are served with direct I/O and
 * zero entry/attribute timeouts (the mount's defaults), so each read(2) reaches the machine.
 *
 * <p>Threading: the FUSE workers call concurrently; an open file is one {@link MachineFile},
 * used under its handle's lock (a MachineFile, like a descriptor, wants its calls ordered).
 * {@link Hooks} run on the worker that serves the request.
 */
final class SysfsFileSystem implements FuseFileSystem {
    /** What the run does around a store and after a read: device sync, usage probes. */
    interface Hooks {
        /** Before a store of {@code data} to machine path {@code path}; the result is closed after the store. */
        AutoCloseable beforeStore(String path, byte[] data);

        /** After a read or store on machine path {@code path} returned (succeeded or not). */
        void after(String path, boolean store);

        /** The extra /sys/dev/block links: "MAJ:MIN" → the machine's block device name ("zram0"). */
        Map<String, String> blockLinks();
    }

    private final Machine machine;
    private final Hooks hooks;
    private final long time = System.currentTimeMillis() * 1_000_000L;

    SysfsFileSystem(Machine machine, Hooks hooks) {
        this.machine = machine;
        this.hooks = hooks;
    }

    private static String sys(String path) {
        return path.equals("/") ? "/sys" : "/sys" + path;
    }

    private static FsException fs(ErrnoException e) {
        return new FsException(e.errno().number(), e.getMessage());
    }

    /**
     * An oops in process context kills the task that made the system call (make_task_dead), as
     * {@code jzram sh} answers "Killed": the calling process gets SIGKILL; the request is answered
     * EIO (nobody reads it).
     */
    private static FsException oops(Caller caller, KernelOops e) {
        if (caller.pid() > 0) {
            ProcessHandle.of(caller.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        return new FsException(Errno.EIO, e.getMessage());
    }

    // ---------------------------------------------------------------- what the machine's tree lacks

    /** A synthesized node: a directory (children), a file (content) or a symlink (target). */
    private record Extra(List<String> children, Supplier<String> content, String target) {
        static Extra dir(List<String> children) {
            return new Extra(children, null, null);
        }

        static Extra file(Supplier<String> content) {
            return new Extra(null, content, null);
        }

        static Extra link(String target) {
            return new Extra(null, null, target);
        }
    }

    private Optional<Extra> extra(String path) {
        String[] c = path.substring(1).split("/");
        if (path.equals("/") || machine.exists(sys(path)) || machineHas("/" + c[0])) {
            return Optional.empty();
        }
        switch (c[0]) {
            case "fs":
                return c.length == 1 ? Optional.of(Extra.dir(List.of())) : Optional.empty();
            case "module":
                return module(c);
            case "dev":
                return dev(c);
            default:
                return Optional.empty();
        }
    }

    private boolean machineHas(String top) {
        return machine.exists("/sys" + top);
    }

    private Optional<Extra> module(String[] c) {
        if (c.length == 1) {
            List<String> names = new ArrayList<>();
            machine.modules().loaded().forEach(m -> names.add(m.name()));
            return Optional.of(Extra.dir(names));
        }
        Optional<Module> m = machine.modules().find(c[1]);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        Module mod = m.get();
        if (c.length == 2) {
            return Optional.of(Extra.dir(List.of("holders", "initstate", "refcnt")));
        }
        if (c.length == 3) {
            switch (c[2]) {
                case "holders":
                    return Optional.of(Extra.dir(List.of()));
                case "initstate":
                    return Optional.of(Extra.file(() -> {
                        switch (mod.state()) {
                            case COMING:
                                return "coming\n";
                            case GOING:
                                return "going\n";
                            default:
                                return "live\n";
                        }
                    }));
                case "refcnt":
                    return Optional.of(Extra.file(() -> mod.refcount() + "\n"));
                default:
                    return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private Optional<Extra> dev(String[] c) {
        if (c.length == 1) {
            return Optional.of(Extra.dir(List.of("block")));
        }
        if (!c[1].equals("block")) {
            return Optional.empty();
        }
        Map<String, String> links = hooks.blockLinks();
        if (c.length == 2) {
            return Optional.of(Extra.dir(new ArrayList<>(links.keySet())));
        }
        String name = c.length == 3 ? links.get(c[2]) : null;
        if (name == null) {
            return Optional.empty();
        }
        try {
            // /sys/block/zram0 -> ../devices/virtual/block/zram0; from /sys/dev/block one more level up
            return Optional.of(Extra.link("../" + machine.readlink("/sys/block/" + name)));
        } catch (ErrnoException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- FuseFileSystem

    @Override
    public FileAttr getattr(Caller caller, String path) {
        Optional<Extra> x = extra(path);
        if (x.isPresent()) {
            Extra e = x.get();
            if (e.children() != null) {
                return FileAttr.directory(0755, time);
            }
            if (e.target() != null) {
                return FileAttr.symlink(e.target(), time);
            }
            return FileAttr.file(0444, 4096, time);
        }
        FileStat st;
        try {
            st = machine.lstat(sys(path));
        } catch (ErrnoException e) {
            throw fs(e);
        }
        switch (st.type()) {
            case DIRECTORY:
                return FileAttr.directory(st.mode() & 07777, time);
            case SYMLINK:
                return FileAttr.symlink(st.linkTarget(), time);
            default:
                return FileAttr.file(st.mode() & 07777, st.size(), time);
        }
    }

    @Override
    public List<DirEntry> readdir(Caller caller, String path) {
        Optional<Extra> x = extra(path);
        if (x.isPresent()) {
            if (x.get().children() == null) {
                throw new FsException(Errno.ENOTDIR);
            }
            List<DirEntry> out = new ArrayList<>();
            for (String n : x.get().children()) {
                out.add(new DirEntry(n, 0));
            }
            return out;
        }
        Set<String> names;
        try {
            if (!getattr(caller, path).isDirectory()) {
                throw new FsException(Errno.ENOTDIR);
            }
            names = new LinkedHashSet<>(machine.ls(sys(path)));
        } catch (ErrnoException e) {
            throw fs(e);
        }
        if (path.equals("/")) {
            for (String top : List.of("dev", "fs", "module")) {
                names.add(top);
            }
        }
        List<DirEntry> out = new ArrayList<>();
        for (String n : names) {
            out.add(new DirEntry(n, 0)); // DT_UNKNOWN: ls and find stat what they need
        }
        return out;
    }

    @Override
    public String readlink(Caller caller, String path) {
        Optional<Extra> x = extra(path);
        if (x.isPresent()) {
            if (x.get().target() == null) {
                throw new FsException(Errno.EINVAL);
            }
            return x.get().target();
        }
        try {
            return machine.readlink(sys(path));
        } catch (ErrnoException e) {
            throw fs(e);
        }
    }

    @Override
    public OpenFile open(Caller caller, String path, int flags) {
        Optional<Extra> x = extra(path);
        if (x.isPresent()) {
            Extra e = x.get();
            if (e.content() == null) {
                throw new FsException(e.children() != null ? Errno.EISDIR : Errno.ELOOP);
            }
            if (OpenFlags.writable(flags)) {
                throw new FsException(Errno.EACCES);
            }
            return new ContentFile(e.content().get().getBytes(StandardCharsets.UTF_8));
        }
        String p = sys(path);
        List<OpenFlag> f = new ArrayList<>();
        switch (flags & OpenFlags.O_ACCMODE) {
            case OpenFlags.O_WRONLY:
                f.add(OpenFlag.WRONLY);
                break;
            case OpenFlags.O_RDWR:
                f.add(OpenFlag.RDWR);
                break;
            default:
                f.add(OpenFlag.RDONLY);
        }
        if ((flags & OpenFlags.O_DIRECTORY) != 0) {
            f.add(OpenFlag.DIRECTORY);
        }
        try {
            return new Attribute(p, machine.open(p, f.toArray(new OpenFlag[0])));
        } catch (ErrnoException e) {
            throw fs(e);
        } catch (KernelOops e) {
            throw oops(caller, e);
        }
    }

    @Override
    public void truncate(Caller caller, String path, long size, OpenFile file) {
        // kernfs_iop_setattr: a size change is accepted and does nothing (echo > attr opens with O_TRUNC)
        if (file == null) {
            getattr(caller, path);
        }
    }

    @Override
    public void chmod(Caller caller, String path, int mode) {
        throw new FsException(Errno.EPERM); // the emulated kernfs keeps its modes
    }

    /** An open attribute (or other file) of the machine. */
    private final class Attribute implements OpenFile {
        private final String path;
        private final MachineFile file;

        Attribute(String path, MachineFile file) {
            this.path = path;
            this.file = file;
        }

        @Override
        public int read(Caller caller, long offset, ByteBuffer dst) {
            byte[] buf = new byte[dst.remaining()];
            int n;
            try {
                synchronized (this) {
                    if (file.position() != offset) {
                        file.seek(offset);
                    }
                    n = file.read(buf, 0, buf.length);
                }
            } catch (ErrnoException e) {
                throw fs(e);
            } catch (KernelOops e) {
                throw oops(caller, e);
            } finally {
                hooks.after(path, false);
            }
            if (n > 0) {
                dst.put(buf, 0, n);
            }
            return Math.max(0, n);
        }

        @Override
        public int write(Caller caller, long offset, ByteBuffer src) {
            byte[] data = new byte[src.remaining()];
            src.get(data);
            AutoCloseable hold = hooks.beforeStore(path, data);
            try {
                synchronized (this) {
                    if (file.position() != offset) {
                        file.seek(offset);
                    }
                    return file.write(data, 0, data.length);
                }
            } catch (ErrnoException e) {
                throw fs(e);
            } catch (KernelOops e) {
                throw oops(caller, e);
            } finally {
                try {
                    hold.close();
                } catch (Exception e) {
                    // a hold is a MachineFile: its close does not fail
                }
                hooks.after(path, true);
            }
        }

        @Override
        public void release() {
            synchronized (this) {
                file.close();
            }
        }
    }
}
