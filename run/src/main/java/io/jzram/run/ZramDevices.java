// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.BlockFileSystem;
import io.jzram.fuse.sys.LoopDevice;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.GenDisk;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The emulated machine's disks as real block devices in the namespace, kept in step with the
 * machine (what devtmpfs and udev do for a real kernel's disks): for each disk the machine's block
 * layer has (zramN), a file in the block FUSE file system ({@link BlockFileSystem}) served by a
 * {@link MachineBlockBackend}, a loop device attached to that file (recorded in the {@link Ledger}
 * first) and a block node /dev/zramN with the loop's major:minor. A disk that appears (modprobe,
 * hot_add) gets them, one that goes (hot_remove, rmmod) loses them, and a disk whose capacity
 * changed (disksize, reset) has its loop's capacity refreshed (LOOP_SET_CAPACITY).
 *
 * <p>{@link #sync()} does it; it runs after every store and every hot_add read through the FUSE
 * sysfs, after every forwarded modprobe/rmmod, and every 100 ms from a poller for the rest.
 * {@link #hold} makes the emulated disk really open while its real device is in use
 * ({@link UsageProbe}), around an operation whose answer depends on that.
 *
 * <p>Threading: sync and close are synchronized; detaching a loop device (which can wait for its
 * autoclear) runs on a closer thread so that no FUSE request waits for it. Lifecycle: created after
 * the mounts, closed (nodes removed, loops detached) before they are unmounted.
 */
final class ZramDevices implements AutoCloseable {
    private final Machine machine;
    private final BlockFileSystem blockFs;
    private final Path blockMount;
    private final HostView host;
    private final DevTree dev;
    private final Ledger ledger;
    private final String ns;
    private final Consumer<String> warn;
    private final Map<String, Entry> entries = new TreeMap<>();
    private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "loop-closer");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<String, String> links = Map.of();
    private boolean closed;

    /** One disk's real side. */
    private static final class Entry {
        final LoopDevice loop;
        final int major;
        final int minor;
        long capacity;

        Entry(LoopDevice loop, int major, int minor, long capacity) {
            this.loop = loop;
            this.major = major;
            this.minor = minor;
            this.capacity = capacity;
        }
    }

    ZramDevices(Machine machine, BlockFileSystem blockFs, Path blockMount, HostView host, DevTree dev, Ledger ledger, String ns,
            Consumer<String> warn) {
        this.machine = machine;
        this.blockFs = blockFs;
        this.blockMount = blockMount;
        this.host = host;
        this.dev = dev;
        this.ledger = ledger;
        this.ns = ns;
        this.warn = warn;
    }

    /** Brings the real devices in step with the machine's disks. */
    synchronized void sync() {
        if (closed) {
            return;
        }
        Map<String, GenDisk> disks = new LinkedHashMap<>();
        for (GenDisk d : machine.blockLayer().disks()) {
            if (d.isAdded()) {
                disks.put(d.name(), d);
            }
        }
        for (String name : new ArrayList<>(entries.keySet())) {
            if (!disks.containsKey(name)) {
                remove(name);
            }
        }
        for (GenDisk d : disks.values()) {
            Entry e = entries.get(d.name());
            long cap = d.blockDevice().capacity();
            if (e == null) {
                add(d.name(), cap);
            } else if (e.capacity != cap) {
                e.capacity = cap;
                try {
                    e.loop.refreshCapacity();
                } catch (IOException x) {
                    warn.accept("refreshing the capacity of " + e.loop.path() + " for " + d.name() + " failed: " + x.getMessage());
                }
            }
        }
        Map<String, String> l = new TreeMap<>();
        entries.forEach((name, e) -> {
            l.put(LoopDevice.LOOP_MAJOR + ":" + e.loop.number(), name);
            l.put(e.major + ":" + e.minor, name);
        });
        links = Map.copyOf(l);
    }

    private void add(String name, long capacity) {
        FileStat st;
        try {
            st = machine.stat("/dev/" + name);
        } catch (ErrnoException e) {
            return; // gone again
        }
        blockFs.add(name, new MachineBlockBackend(machine, name));
        LoopDevice loop;
        try {
            loop = LoopDevice.attach(blockMount.resolve(name), 0, host.dev(), host.sys());
        } catch (IOException e) {
            blockFs.remove(name);
            warn.accept("no loop device for " + name + ": " + e.getMessage());
            return;
        }
        ledger.record("loop", Integer.toString(loop.number()));
        try {
            dev.addBlockNode(name, LoopDevice.LOOP_MAJOR, loop.number());
        } catch (IOException e) {
            warn.accept("mknod /dev/" + name + " failed: " + e.getMessage());
        }
        entries.put(name, new Entry(loop, st.major(), st.minor(), capacity));
    }

    private void remove(String name) {
        Entry e = entries.remove(name);
        // The emulated disk is gone (the kernel would not have let it go while swapped on: a fix set
        // without the fixes does): swap on its real device must not outlive it.
        if (UsageProbe.swapoff(host.dev().resolve("loop" + e.loop.number())) == 0) {
            warn.accept("swapoff /dev/" + name + ": its emulated disk went away while it was swapped on");
        }
        dev.remove(name);
        blockFs.remove(name);
        closer.execute(() -> {
            try {
                e.loop.close();
            } catch (IOException x) {
                warn.accept("detaching " + e.loop.path() + " (" + name + ") failed: " + x.getMessage());
            }
        });
    }

    /** "MAJ:MIN" → disk name, for the emulated disks and the loop devices that stand for them. */
    Map<String, String> links() {
        return links;
    }

    /** The loop numbers now attached, by disk name. */
    synchronized Map<String, Integer> loops() {
        Map<String, Integer> out = new TreeMap<>();
        entries.forEach((n, e) -> out.put(n, e.loop.number()));
        return out;
    }

    /**
     * If the real device of disk {@code name} is in use, opens the emulated disk (holding its module
     * and the device, as blkdev_get does) until the returned hold is closed; else an empty hold.
     */
    AutoCloseable hold(String name) {
        Integer loop;
        synchronized (this) {
            Entry e = entries.get(name);
            loop = e == null ? null : e.loop.number();
        }
        if (loop == null) {
            return () -> { };
        }
        Optional<String> why = UsageProbe.inUse(dev.path(name), loop, ns);
        if (why.isEmpty()) {
            return () -> { };
        }
        try {
            MachineFile f = machine.open("/dev/" + name, OpenFlag.RDONLY);
            return f::close;
        } catch (ErrnoException x) {
            return () -> { };
        }
    }

    /** Holds every disk whose real device is in use (before an rmmod). */
    AutoCloseable holdAll() {
        List<AutoCloseable> holds = new ArrayList<>();
        for (String name : loops().keySet()) {
            holds.add(hold(name));
        }
        return () -> {
            for (int i = holds.size() - 1; i >= 0; i--) {
                holds.get(i).close();
            }
        };
    }

    /** Removes every node and detaches every loop device (waiting for the detaches, up to 10 s). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            for (String name : new ArrayList<>(entries.keySet())) {
                remove(name);
            }
            closed = true;
        }
        closer.shutdown();
        try {
            if (!closer.awaitTermination(10, TimeUnit.SECONDS)) {
                warn.accept("loop devices still detaching after 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
