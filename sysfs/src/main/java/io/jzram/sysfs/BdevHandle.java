// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice;
import java.io.IOException;

/**
 * An open block device, as block/bdev.c's bdev_open/bdev_release hold one (what {@code struct
 * bdev_handle} was in 6.7 and the bdev {@code struct file} is since): opening takes a reference on
 * the disk's owner module ({@code try_module_get(disk->fops->owner)}: ENXIO while the module is
 * going away, and rmmod answers "in use" while it is held) and opens the driver's device
 * (blkdev_get_whole → {@code fops->open}: while it is open, zram's reset and hot_remove answer
 * EBUSY); {@link #close()} releases both, device first, as bdev_release does. This is the one way
 * the machine's users hold a disk: {@link Machine#open} of a /dev block node keeps one for the open
 * file, and {@link Machine#openBlockDevice} hands one out (the NBD exports of {@code jzram serve}
 * keep one per client connection).
 *
 * <p>{@link #device()} is the disk through the block layer ({@link GenDisk#blockDevice()}): every
 * request is accounted in the disk's {@code stat}, and fails with EIO once the disk is deleted.
 *
 * <p>Threading: the device's I/O is thread-safe (see {@link BlockDevice}); {@link #close()} may be
 * called from any thread, more than once (only the first releases; see {@link ModuleRef}).
 */
public final class BdevHandle implements BlockDevice.Opener {

    private final String path;
    private final GenDisk disk;
    private final ModuleRef owner;
    private final BlockDevice.Opener driverOpen;

    private BdevHandle(String path, GenDisk disk, ModuleRef owner, BlockDevice.Opener driverOpen) {
        this.path = path;
        this.disk = disk;
        this.owner = owner;
        this.driverOpen = driverOpen;
    }

    /**
     * bdev_open: ENXIO when the disk is not live or its module is going away; the driver's refusal
     * (EBUSY while it is being reset) otherwise. {@code path} names the disk in the errors.
     */
    static BdevHandle open(GenDisk disk, String path) {
        ModuleRef owner = ModuleRef.get(live(disk, path).owner(), Errno.ENXIO, path);
        BlockDevice.Opener driverOpen;
        try {
            driverOpen = disk.blockDevice().open();
        } catch (IOException e) {
            owner.put();
            throw toErrno(e);
        } catch (RuntimeException e) {
            owner.put();
            throw e;
        }
        return new BdevHandle(path, disk, owner, driverOpen);
    }

    /** The disk if it is live (disk_live), else ENXIO as bdev_open answers. */
    static GenDisk live(GenDisk disk, String path) {
        if (disk == null || !disk.isAdded()) {
            throw new ErrnoException(Errno.ENXIO, path + ": no such device or address");
        }
        return disk;
    }

    /** The path the device was opened by. */
    public String path() {
        return path;
    }

    /** The disk this handle holds. */
    public GenDisk disk() {
        return disk;
    }

    /** The disk as the block layer serves it: accounted in its {@code stat}, EIO once it is deleted. */
    @Override
    public BlockDevice device() {
        return disk.blockDevice();
    }

    /** bdev_release: closes the driver's device, then puts the module reference. Idempotent. */
    @Override
    public void close() {
        owner.release(driverOpen::close);
    }

    @Override
    public String toString() {
        return "open " + path;
    }

    /** A block I/O error as the errno a system call returns (EIO for an error without one). */
    static ErrnoException toErrno(IOException e) {
        if (e instanceof ErrnoIOException) {
            Errno errno = ((ErrnoIOException) e).errno();
            String m = e.getMessage();
            String prefix = errno.name() + ": ";
            return new ErrnoException(errno, m.startsWith(prefix) ? m.substring(prefix.length()) : m, e);
        }
        return new ErrnoException(Errno.EIO, e.toString(), e);
    }
}
