// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.run;

import io.jzram.fuse.BlockBackend;
import io.jzram.fuse.FsException;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.module.Module;
import io.jzram.sysfs.GenDisk;
import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The data path of one emulated disk (/dev/zramN of the machine) as the backing file of the loop
 * device that stands for it: reads, writes, discards (the loop driver's REQ_OP_DISCARD and
 * WRITE_ZEROES become fallocate on its file, then {@link #discard}) and flushes reach the disk's
 * block device as the block layer serves it ({@link Machine#blockDevice}: accounted in its stat,
 * EIO once the disk is deleted). The disk is looked up by name at each call, so a disk removed and
 * added again under the same name is served again; the size is the disk's capacity (0 while a zram
 * device has no disksize). Errors are the block layer's errnos.
 *
 * <p>This is not an open of the emulated disk: the loop device holds its backing file open for its
 * whole life, which must not keep the emulated device busy. Threading: concurrent calls go
 * straight to the block device, which synchronises.
 */
final class MachineBlockBackend implements BlockBackend {
    private final Machine machine;
    private final String name;
    private final String node;

    MachineBlockBackend(Machine machine, String name) {
        this.machine = machine;
        this.name = name;
        this.node = "/dev/" + name;
    }

    /**
     * The disk's block device; ENXIO while its driver's module is going away: the kernel's
     * blkdev_get fails then (try_module_get), so a swapon or mount that starts while rmmod runs
     * cannot read the device, as it could not open it.
     */
    private BlockDevice bdev() {
        Module owner = machine.blockLayer().find(name).map(GenDisk::owner).orElse(null);
        if (owner != null && !owner.isLive()) {
            throw new FsException(Errno.ENXIO, node + ": driver " + owner.name() + " is going away");
        }
        try {
            return machine.blockDevice(node);
        } catch (ErrnoException e) {
            throw new FsException(e.errno() == Errno.ENOENT ? Errno.ENXIO : e.errno());
        }
    }

    @Override
    public long size() {
        try {
            return machine.blockDevice(node).capacity();
        } catch (ErrnoException e) {
            return 0;
        }
    }

    /** One block-layer call, its I/O error as the errno the reader or writer sees. */
    private interface Io {
        void on(BlockDevice b) throws IOException;
    }

    private void io(Io op) {
        try {
            op.on(bdev());
        } catch (IOException e) {
            throw new FsException(e instanceof ErrnoIOException x ? x.errno() : Errno.EIO, e.getMessage());
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        io(b -> b.read(offset, dst));
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        io(b -> b.write(offset, src));
    }

    @Override
    public void discard(long offset, long length) {
        io(b -> b.discard(offset, length));
    }

    @Override
    public void flush() {
        io(BlockDevice::flush);
    }
}
