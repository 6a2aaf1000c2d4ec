// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.module.Module;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * struct gendisk: a disk a driver allocated with {@link BlockLayer#allocDisk} and made visible with
 * {@link BlockLayer#addDisk}: its name, major and first minor, the driver's {@link BlockDevice}
 * (what {@code fops}/{@code submit_bio} reach), its queue limits, the owner module
 * ({@code fops->owner}: opening the /dev node holds it), the driver's private data and the I/O
 * accounting.
 *
 * <p>{@link #blockDevice()} is the disk as the rest of the machine sees it: every request goes
 * through the block layer's accounting (the {@code stat} file), and once the disk is deleted
 * requests fail with EIO as bios to a dead disk do. Thread-safe.
 */
public final class GenDisk {

    enum State {
        ALLOCATED, ADDED, DELETED
    }

    private final String name;
    private final int major;
    private final int firstMinor;
    private final BlockDevice driverDevice;
    private final QueueLimits limits;
    private final RequestQueue queue;
    private final BlkTrace trace;
    private final Module owner;
    private final Object privateData;
    private final long diskseq;
    private final DiskStats stats = new DiskStats();
    private final BlockDevice accounted;
    volatile State state = State.ALLOCATED;
    volatile Device device;
    volatile KObject queueDir;
    volatile KObject holdersDir;
    volatile KObject slavesDir;
    volatile Device bdiDevice;
    private volatile boolean readOnly;
    private volatile java.util.function.Supplier<String> statSource;

    GenDisk(String name, int major, int firstMinor, BlockDevice driverDevice, QueueLimits limits, Module owner,
            Object privateData, long diskseq) {
        this.name = Objects.requireNonNull(name);
        this.major = major;
        this.firstMinor = firstMinor;
        this.driverDevice = Objects.requireNonNull(driverDevice);
        this.limits = Objects.requireNonNull(limits);
        this.queue = new RequestQueue(limits);
        this.trace = new BlkTrace(this);
        this.owner = owner;
        this.privateData = privateData;
        this.diskseq = diskseq;
        this.accounted = new AccountedBlockDevice();
    }

    /** disk->disk_name. */
    public String name() {
        return name;
    }

    public int major() {
        return major;
    }

    public int firstMinor() {
        return firstMinor;
    }

    /** The driver's device (what the block layer calls). */
    public BlockDevice driverDevice() {
        return driverDevice;
    }

    /** The disk through the block layer: accounted, and dead once the disk is deleted. */
    public BlockDevice blockDevice() {
        return accounted;
    }

    /** The limits the driver declared. */
    public QueueLimits queueLimits() {
        return limits;
    }

    /** The request queue: the limits as a user tuned them through {@code queue/}. */
    public RequestQueue queue() {
        return queue;
    }

    /** The {@code trace/} setup. */
    BlkTrace trace() {
        return trace;
    }

    /** fops->owner. */
    public Module owner() {
        return owner;
    }

    /** disk->private_data. */
    public Object privateData() {
        return privateData;
    }

    public <P> P privateData(Class<P> type) {
        return type.cast(privateData);
    }

    public DiskStats stats() {
        return stats;
    }

    /**
     * A bio-based driver that accounts its own I/O ({@code bio_start_io_acct}/{@code bio_end_io_acct},
     * as zram does, which also clears the counters on reset) shows its counters in the disk's
     * {@code stat} file instead of the block layer's: {@code source} returns the whole line.
     */
    public void setStatSource(java.util.function.Supplier<String> source) {
        this.statSource = source;
    }

    /** The {@code stat} file's line: the driver's counters when it accounts itself, else the block layer's. */
    public String statLine() {
        java.util.function.Supplier<String> s = statSource;
        return s != null ? s.get() : stats.statLine();
    }

    /** The disk's device (disk_to_dev) once added. */
    public Device device() {
        return device;
    }

    public boolean isAdded() {
        return state == State.ADDED;
    }

    /** get_capacity(): the driver's capacity in 512-byte sectors. */
    public long capacitySectors() {
        return driverDevice.capacity() >> 9;
    }

    /** set_disk_ro(). */
    public void setReadOnly(boolean ro) {
        this.readOnly = ro;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public long diskseq() {
        return diskseq;
    }

    @Override
    public String toString() {
        return "disk " + name + " (" + major + ":" + firstMinor + ", " + state + ")";
    }

    /** The request path through the block layer. */
    private final class AccountedBlockDevice implements BlockDevice {

        private void checkLive() throws IOException {
            if (state != State.ADDED) {
                throw new ErrnoIOException(Errno.EIO, "disk " + name + " is not live");
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long capacity() {
            return driverDevice.capacity();
        }

        @Override
        public int logicalBlockSize() {
            return limits.logicalBlockSize();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            checkLive();
            long n = dst.remaining();
            long t = stats.start(DiskStats.Group.READ);
            try {
                driverDevice.read(offset, dst);
            } finally {
                stats.end(DiskStats.Group.READ, t, n);
            }
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            checkLive();
            if (readOnly) {
                throw new ErrnoIOException(Errno.EPERM, "disk " + name + " is read-only");
            }
            long n = src.remaining();
            long t = stats.start(DiskStats.Group.WRITE);
            try {
                driverDevice.write(offset, src);
            } finally {
                stats.end(DiskStats.Group.WRITE, t, n);
            }
        }

        @Override
        public void discard(long offset, long length) throws IOException {
            checkLive();
            long t = stats.start(DiskStats.Group.DISCARD);
            try {
                driverDevice.discard(offset, length);
            } finally {
                stats.end(DiskStats.Group.DISCARD, t, length);
            }
        }

        @Override
        public void writeZeroes(long offset, long length) throws IOException {
            checkLive();
            long t = stats.start(DiskStats.Group.WRITE);
            try {
                driverDevice.writeZeroes(offset, length);
            } finally {
                stats.end(DiskStats.Group.WRITE, t, length);
            }
        }

        @Override
        public void flush() throws IOException {
            checkLive();
            long t = stats.start(DiskStats.Group.FLUSH);
            try {
                driverDevice.flush();
            } finally {
                stats.end(DiskStats.Group.FLUSH, t, 0);
            }
        }

        @Override
        public BlockState blockState(long offset) throws IOException {
            checkLive();
            return driverDevice.blockState(offset);
        }

        @Override
        public Opener open() throws IOException {
            checkLive();
            return driverDevice.open();
        }
    }
}
