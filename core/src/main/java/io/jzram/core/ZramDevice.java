// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompParams;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A zram device: a compressed RAM block store with zram's behaviour and counters
 * ({@code struct zram} and drivers/block/zram/zram_drv.c, 6.15+, as on the project's 6.18 kernel).
 * This class is what an embedder holds: {@link #builder()} makes an initialised device that holds
 * one opener for its life, the {@link BlockDevice} I/O reads and writes it, and {@link #close()}
 * resets it, gives back every byte and shuts down a private machine. Its other methods are the
 * attributes that make sense on a running device: the algorithms, the statistics, mem_limit, the
 * writeback limit, and the maintenance operations (compact, idle, writeback, recompress).
 *
 * <p>What only the zram driver does (initialise and reset, the claim of reset and removal, the
 * stores that configure an uninitialised device, the fix toggle that selects the pre-5.16 reset
 * with its use-after-free, test hooks, the compressors and the lock of a device) is on
 * {@link ZramControl}, which the driver gets from {@link ZramHost#create}; an embedder's device
 * has no way to it.
 *
 * <h2>The parts</h2>
 * The code is in package-private classes along zram_drv.c's seams, all on one
 * {@link ZramState} ({@code struct zram}, which also states the locking rules):
 * {@link ZramLifecycle} (disksize, reset, claim, open), {@link ZramConfig} (the configuring
 * attributes), {@link ZramStatsShow} (the statistics), {@link ZramDataPath} (requests and pages),
 * {@link ZramIdle}, {@link ZramWriteback} and {@link ZramRecompress} (post-processing). This class
 * only forwards; the I/O methods are one call through a final field, which the JIT inlines.
 *
 * <h2>Bad input and use after close</h2>
 * A null buffer is a {@link NullPointerException} that names the parameter ({@code src},
 * {@code dst}), thrown before anything is done; negative offsets or lengths are
 * {@link io.jzram.kernel.ErrnoIOException}s with EINVAL; ranges beyond the capacity ENOSPC (write,
 * discard, write-zeroes) or EIO (read). Once an embedded device is {@link #close() closed}, every
 * request and every operation that acts on it (I/O, flush, open, the maintenance operations and
 * the setters) fails with ENXIO and a message that says the device is closed; the read-only
 * queries (name, capacity, statistics, {@link #memory()}) keep answering, with the figures of the
 * emptied device.
 *
 * <p>Thread-safe: requests on different pages run in parallel; see {@link ZramState} for the locks.
 */
public final class ZramDevice implements BlockDevice, AutoCloseable {
    /** The page size zram stores: 4096 bytes. */
    public static final int PAGE_SIZE = SlotTable.PAGE_SIZE;
    /** ZRAM_PRIMARY_COMP. */
    public static final int PRIMARY_COMP = 0;
    /** ZRAM_SECONDARY_COMP. */
    public static final int SECONDARY_COMP = 1;
    /** ZRAM_MAX_COMPS (CONFIG_ZRAM_MULTI_COMP). */
    public static final int MAX_COMPS = 4;
    /** ZRAM_MAX_ALGO_NAME_SZ. */
    public static final int MAX_ALGO_NAME_SZ = 128;
    /** The largest disksize: slot indices are u32 in the kernel (16 TiB of 4 KiB pages). */
    public static final long MAX_DISKSIZE = 1L << 44;

    private final ZramState z;
    private final ZramLifecycle lifecycle;
    private final ZramConfig config;
    private final ZramStatsShow statsShow;
    private final ZramDataPath dataPath;
    private final ZramIdle idle;
    private final ZramWriteback writeback;
    private final ZramRecompress recompress;
    private final ZramControl control;

    // embedding: set by the builder
    private Opener lifeOpener;
    private Runnable afterClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** zram_add() minus the disk: an uninitialised device; see {@link ZramHost#create}. */
    ZramDevice(ZramHost host, String name) {
        this.z = new ZramState(host, name, this);
        this.lifecycle = new ZramLifecycle(z);
        this.config = new ZramConfig(z);
        this.statsShow = new ZramStatsShow(z);
        this.dataPath = new ZramDataPath(z);
        this.idle = new ZramIdle(z);
        this.writeback = new ZramWriteback(z, dataPath);
        this.recompress = new ZramRecompress(z, dataPath);
        this.control = new ZramControl(this, z, lifecycle, config, dataPath);
    }

    /** The driver's handle on this device (for the driver, through {@link ZramHost#create}, and this package's tests). */
    ZramControl control() {
        return control;
    }

    /** Makes the device an embedded one: {@link #close()} gives back {@code opener}, resets, then runs {@code afterClose}. */
    void embed(Opener opener, Runnable onClose) {
        this.lifeOpener = opener;
        this.afterClose = onClose;
    }

    /**
     * A builder for an embedded device: on a private emulated machine (or one you pass in),
     * initialised with its disk size, held open for its life, given back by {@link #close()}.
     *
     * @return a new builder
     */
    public static ZramBuilder builder() {
        return new ZramBuilder();
    }

    // =============================================================================== identity

    /**
     * The device's name.
     *
     * @return e.g. {@code zram0}
     */
    @Override
    public String name() {
        return z.name;
    }

    /**
     * {@code disksize_show}.
     *
     * @return the disk size in bytes; 0 while uninitialised
     */
    public long disksize() {
        return z.disksize();
    }

    /**
     * The capacity: the disk size.
     *
     * @return bytes; 0 while uninitialised
     */
    @Override
    public long capacity() {
        return z.disksize();
    }

    /**
     * init_done().
     *
     * @return whether the device has a disk size
     */
    public boolean isInitialised() {
        return z.initDone();
    }

    /**
     * The huge class size: a page whose compressed length reaches it is stored raw.
     *
     * @return 3625 bytes, as zsmalloc's size classes give it
     */
    public static int hugeClassSize() {
        return ZramDataPath.HUGE_CLASS_SIZE;
    }

    // =============================================================================== algorithms

    /**
     * The primary algorithm.
     *
     * @return {@code comp_algorithm}'s bracketed name, e.g. {@code lzo-rle}
     */
    public String compAlgorithm() {
        return config.algorithm(PRIMARY_COMP).orElse(null);
    }

    /**
     * The algorithm configured at a priority.
     *
     * @param priority 0 for the primary, 1..3 for the recompression algorithms
     * @return its name, or empty when none is configured there
     */
    public Optional<String> algorithm(int priority) {
        return config.algorithm(priority);
    }

    /**
     * The backends this device can use.
     *
     * @return their names in the kernel's listing order (those that work on this machine)
     */
    public List<String> availableAlgorithms() {
        return config.availableAlgorithms();
    }

    /**
     * The parameters set for a priority ({@code algorithm_params}).
     *
     * @param priority 0 for the primary, 1..3 for the recompression algorithms
     * @return the parameters; {@link ZcompParams#defaults()} where none were set
     */
    public ZcompParams algorithmParams(int priority) {
        return config.algorithmParams(priority);
    }

    // =============================================================================== limits

    /**
     * {@code mem_limit_store} after memparse: a write that would take the pool over the limit
     * fails with ENOMEM. Allowed in any state.
     *
     * @param bytes the limit, rounded up to pages; 0 for none
     */
    public void setMemLimit(long bytes) {
        ensureOpen();
        config.setMemLimit(bytes);
    }

    /**
     * The memory limit.
     *
     * @return bytes; 0 for none
     */
    public long memLimit() {
        return config.memLimit();
    }

    /** {@code mem_used_max_store} of "0": the peak becomes the pool's current size (when initialised). */
    public void resetMemUsedMax() {
        ensureOpen();
        config.resetMemUsedMax();
    }

    /**
     * {@code backing_dev_show}.
     *
     * @return the backing file, or empty ("none")
     */
    public Optional<Path> backingDev() {
        return config.backingDev();
    }

    /**
     * {@code writeback_limit_enable_store}.
     *
     * @param enable whether {@link #setWritebackLimit} bounds writeback
     */
    public void setWritebackLimitEnable(boolean enable) {
        ensureOpen();
        config.setWritebackLimitEnable(enable);
    }

    /**
     * {@code writeback_limit_enable_show}.
     *
     * @return whether the writeback limit is enforced
     */
    public boolean writebackLimitEnabled() {
        return z.wbLimitEnable();
    }

    /**
     * {@code writeback_limit_store}.
     *
     * @param pages how many pages (4 KiB units) writeback may still write while the limit is enabled
     */
    public void setWritebackLimit(long pages) {
        ensureOpen();
        config.setWritebackLimit(pages);
    }

    /**
     * {@code writeback_limit_show}.
     *
     * @return the pages writeback may still write (4 KiB units)
     */
    public long writebackLimit() {
        return z.wbLimit();
    }

    // =============================================================================== statistics

    /**
     * {@code mm_stat}.
     *
     * @return the nine memory counters now
     */
    public MmStat mmStat() {
        return statsShow.mmStat();
    }

    /**
     * {@code io_stat}.
     *
     * @return the failed reads and writes and the slots freed by discard
     */
    public IoStat ioStat() {
        return statsShow.ioStat();
    }

    /**
     * {@code debug_stat}.
     *
     * @return the debug counters
     */
    public DebugStat debugStat() {
        return statsShow.debugStat();
    }

    /**
     * {@code bd_stat}.
     *
     * @return the backing-file counters
     */
    public BdStat bdStat() {
        return statsShow.bdStat();
    }

    /**
     * The block layer's {@code stat} for this disk.
     *
     * @return the 17 I/O counters
     */
    public BlockStat blockStat() {
        return statsShow.blockStat();
    }

    /**
     * What the device holds now, for leak checks.
     *
     * @return its off-heap and heap bytes; all zero after a reset or close
     */
    public ZramMemory memory() {
        return statsShow.memory();
    }

    // =============================================================================== maintenance

    /**
     * {@code compact_store}: compacts the pool.
     *
     * @return the pool pages freed
     * @throws io.jzram.kernel.ErrnoException EINVAL when the device is not initialised
     */
    public long compact() {
        ensureOpen();
        return config.compact();
    }

    /**
     * {@code idle_store} of "all": marks every slot that holds a compressed object idle.
     *
     * @throws io.jzram.kernel.ErrnoException EINVAL when the device is not initialised
     */
    public void markIdleAll() {
        ensureOpen();
        idle.markIdleAll();
    }

    /**
     * {@code idle_store} of a number: marks IDLE the slots not accessed for at least
     * {@code ageSeconds} seconds, and un-marks the others (access-time tracking is built in).
     *
     * @param ageSeconds the age in seconds
     * @throws io.jzram.kernel.ErrnoException EINVAL when the device is not initialised
     */
    public void markIdle(long ageSeconds) {
        ensureOpen();
        idle.markIdle(ageSeconds);
    }

    /**
     * {@code writeback_store} (6.16+) after parsing: not initialised EINVAL; another writeback or
     * recompression running EAGAIN; no backing file ENODEV; an index out of range ERANGE (then
     * nothing is written). The selected slots are written back biggest first; the limit used up
     * ends the run with EIO, a full backing file with ENOSPC (pages written until then stay
     * written back); a failed file write is reported as EIO after the others were tried.
     *
     * @param request which slots to write back
     * @throws io.jzram.kernel.ErrnoException with the errnos above
     */
    public void writeback(WritebackRequest request) {
        ensureOpen();
        writeback.writeback(request);
    }

    /**
     * {@code writeback_store} of {@code type=MODE} (or the bare word) over the whole device.
     *
     * @param type which slots to write back
     * @throws io.jzram.kernel.ErrnoException as {@link #writeback(WritebackRequest)}
     */
    public void writeback(WritebackType type) {
        ensureOpen();
        writeback.writeback(WritebackRequest.of(type));
    }

    /**
     * {@code recompress_store} after parsing: a threshold at or above the huge class size EINVAL;
     * not initialised EINVAL; another post-processing run EAGAIN; {@code algo} not configured at
     * any secondary priority EINVAL; no usable priority EINVAL. Selected slots are recompressed
     * biggest first with each secondary algorithm in turn until one lands in a smaller size class
     * (and under the threshold); a slot none could shrink with the last algorithm is marked
     * incompressible.
     *
     * @param r which slots, with which algorithm, under which threshold
     * @return the number of slots recompressed
     * @throws io.jzram.kernel.ErrnoException with the errnos above
     */
    public long recompress(RecompressRequest r) {
        ensureOpen();
        return recompress.recompress(r);
    }

    // =============================================================================== block I/O

    /**
     * blkdev_get / zram_open: while an opener holds the device, reset and removal answer EBUSY.
     *
     * @return the open reference; close it when done
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}, EBUSY while a reset or a
     *     removal claims the device
     */
    @Override
    public Opener open() throws IOException {
        if (closedEmbedded()) {
            throw closedIo();
        }
        return lifecycle.open();
    }

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}. A whole, aligned page takes the fast
     * path (one compression, one pool copy, no allocation); other ranges are read-modify-written
     * per page.
     *
     * @param offset the device offset in bytes
     * @param src the bytes; its position advances by what was written
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: ENOSPC past the end, ENOMEM
     *     when the memory limit refuses a page (failed_writes + 1)
     */
    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        dataPath.write(offset, Objects.requireNonNull(src, "src"));
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset}; never-written pages read as zeros.
     *
     * @param offset the device offset in bytes
     * @param dst where the bytes go; its position advances by what was read
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}: EIO past the end or when a
     *     page does not decompress (failed_reads + 1)
     */
    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        dataPath.read(offset, Objects.requireNonNull(dst, "dst"));
    }

    /**
     * Discard (REQ_OP_DISCARD, {@code zram_bio_discard}): frees the whole pages inside the range
     * (notify_free + 1 each); a partial page at either end is left as it is. Beyond the capacity:
     * ENOSPC.
     *
     * @param offset the start of the range in bytes
     * @param length the length of the range in bytes
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}, ENOSPC past the end
     */
    @Override
    public void discard(long offset, long length) throws IOException {
        dataPath.discard(offset, length);
    }

    /**
     * Write-zeroes: whole pages are freed as by {@link #discard} (notify_free + 1 each; they read as
     * zeros); a partial page at either end is zero-filled by read-modify-write if it holds data.
     *
     * @param offset the start of the range in bytes
     * @param length the length of the range in bytes
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}, ENOSPC past the end
     */
    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        dataPath.writeZeroes(offset, length);
    }

    /** flush: requests complete synchronously, so this only orders after the completed ones. */
    @Override
    public void flush() throws IOException {
        if (closedEmbedded()) {
            throw closedIo();
        }
        lifecycle.sync();
    }

    /**
     * The allocation state of the page containing {@code offset}.
     *
     * @param offset a device offset in bytes
     * @return HOLE for a never-written or discarded page, ZERO for a same-filled page of zeros, DATA otherwise
     * @throws IOException an {@link io.jzram.kernel.ErrnoIOException}, EIO past the end
     */
    @Override
    public BlockState blockState(long offset) throws IOException {
        return dataPath.blockState(offset);
    }

    /**
     * A short description.
     *
     * @return the name and the size, or "uninitialised"
     */
    @Override
    public String toString() {
        return "zram device " + z.name + " (" + (isInitialised() ? Long.toUnsignedString(z.disksize()) + " bytes" : "uninitialised") + ")";
    }

    // =============================================================================== closing

    /**
     * Closes an embedded device: gives back its opener, resets it (every byte back) and shuts down
     * its private machine. EBUSY (nothing done) while someone else holds it open. On a device made
     * by a driver ({@link ZramHost#create}) this is {@link ZramControl#resetDevice()}. Idempotent.
     *
     * @throws io.jzram.kernel.ErrnoException EBUSY while another opener holds the device
     */
    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        if (lifeOpener != null) {
            lifecycle.checkOnlyOwnOpener();
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (lifeOpener != null) {
            lifeOpener.close();
            lifecycle.reset();
        } else {
            lifecycle.resetDevice();
        }
        if (afterClose != null) {
            afterClose.run();
        }
    }

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed.get();
    }

    /** Whether this is an embedded device that has been closed (every later use fails with ENXIO). */
    boolean closedEmbedded() {
        return lifeOpener != null && closed.get();
    }

    /** The error of a request to a closed embedded device. */
    ErrnoIOException closedIo() {
        return new ErrnoIOException(Errno.ENXIO, z.name + " is closed");
    }

    private void ensureOpen() {
        if (closedEmbedded()) {
            throw new ErrnoException(Errno.ENXIO, z.name + " is closed");
        }
    }
}
