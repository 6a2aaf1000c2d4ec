// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.module.Module;
import io.jzram.nbd.Export;
import io.jzram.nbd.ExportRegistry;
import io.jzram.nbd.ExportUnavailableException;
import io.jzram.sysfs.GenDisk;
import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The NBD exports of a running {@link Machine}: every {@code zramN} disk with a non-zero disksize is
 * export {@code zramN}; the empty name means {@code zram0}. Nothing is cached between lookups, so a
 * device that is created with hot_add and initialised with disksize appears for the next client,
 * and one that is reset, hot_remove'd or whose module is unloaded refuses new clients with a
 * sentence that says which of these happened.
 *
 * <p>A client holds its device as an opener of /dev/zramN does, through the machine's one mechanism
 * for that ({@link Machine#openBlockDevice(GenDisk)}, an {@link io.jzram.sysfs.BdevHandle}): the
 * disk's owner module (try_module_get, so rmmod answers "in use") and an open of the device
 * (blkdev_get, so reset and hot_remove answer EBUSY) for as long as its connection lasts. I/O goes
 * through the block layer ({@link GenDisk#blockDevice()}), so it shows in /sys/block/zramN/stat.
 */
public final class MachineExportRegistry implements ExportRegistry {

    private static final Pattern ZRAM = Pattern.compile("zram(0|[1-9][0-9]{0,8})");

    private final Machine machine;
    /** One wrapper per disk object, so repeated lookups do not allocate. */
    private final Map<GenDisk, Export> exports = new ConcurrentHashMap<>();

    public MachineExportRegistry(Machine machine) {
        this.machine = machine;
    }

    @Override
    public Export lookup(String name) throws ExportUnavailableException {
        String wanted = name.isEmpty() ? "zram0" : name;
        if (!ZRAM.matcher(wanted).matches()) {
            throw new ExportUnavailableException("no export named '" + wanted + "'; exports are zramN devices with a "
                    + "disksize, now: " + names());
        }
        Optional<GenDisk> disk = machine.blockLayer().find(wanted);
        if (disk.isEmpty()) {
            boolean loaded = machine.modules().find("zram").map(Module::isLive).orElse(false);
            throw new ExportUnavailableException("export " + wanted + " is not available: "
                    + (loaded ? "there is no such device (it was removed with hot_remove, or never added)"
                            : "the zram module is not loaded"));
        }
        GenDisk d = disk.get();
        if (d.blockDevice().capacity() <= 0) {
            throw new ExportUnavailableException("export " + wanted
                    + " is not available: the device is not initialised (disksize is 0; it was reset or never set up)");
        }
        exports.keySet().removeIf(g -> machine.blockLayer().find(g.name()).orElse(null) != g);
        return exports.computeIfAbsent(d, g -> new Export(g.name(), describe(g), new HeldDevice(machine, g), false));
    }

    private String describe(GenDisk d) {
        String alg = "";
        try {
            String s = machine.cat("/sys/block/" + d.name() + "/comp_algorithm");
            int l = s.lastIndexOf('[');
            int r = s.lastIndexOf(']');
            if (l >= 0 && r > l + 1) {
                alg = ", " + s.substring(l + 1, r);
            }
        } catch (ErrnoException e) {
            // no algorithm to show
        }
        return "jzram " + d.name() + alg;
    }

    /** The initialised zram disks, by number. */
    private List<GenDisk> initialised() {
        List<GenDisk> out = new ArrayList<>();
        for (GenDisk d : machine.blockLayer().disks()) {
            if (ZRAM.matcher(d.name()).matches() && d.blockDevice().capacity() > 0) {
                out.add(d);
            }
        }
        out.sort(Comparator.comparingInt(d -> Integer.parseInt(d.name().substring(4))));
        return out;
    }

    private String names() {
        List<String> n = new ArrayList<>();
        for (GenDisk d : initialised()) {
            n.add(d.name());
        }
        return n.isEmpty() ? "none" : String.join(", ", n);
    }

    @Override
    public List<Export> list() {
        List<Export> out = new ArrayList<>();
        for (GenDisk d : initialised()) {
            try {
                out.add(lookup(d.name()));
            } catch (ExportUnavailableException e) {
                // reset or removed in between
            }
        }
        return out;
    }

    /**
     * The disk as a /dev/zramN opener sees it: I/O through the block layer, and each
     * {@link #open()} is {@link Machine#openBlockDevice(GenDisk)} (the module reference and the
     * device open, released together when the connection closes the handle).
     */
    static final class HeldDevice implements BlockDevice {
        private final Machine machine;
        private final GenDisk disk;
        private final BlockDevice dev;

        HeldDevice(Machine machine, GenDisk disk) {
            this.machine = machine;
            this.disk = disk;
            this.dev = disk.blockDevice();
        }

        @Override
        public String name() {
            return dev.name();
        }

        @Override
        public long capacity() {
            return dev.capacity();
        }

        @Override
        public int logicalBlockSize() {
            return dev.logicalBlockSize();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            dev.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            dev.write(offset, src);
        }

        @Override
        public void discard(long offset, long length) throws IOException {
            dev.discard(offset, length);
        }

        @Override
        public void writeZeroes(long offset, long length) throws IOException {
            dev.writeZeroes(offset, length);
        }

        @Override
        public void flush() throws IOException {
            dev.flush();
        }

        @Override
        public BlockState blockState(long offset) throws IOException {
            return dev.blockState(offset);
        }

        /** ENXIO while the module is going away or once the disk is deleted; EBUSY while it is being reset. */
        @Override
        public Opener open() throws IOException {
            try {
                return machine.openBlockDevice(disk);
            } catch (ErrnoException e) {
                throw new ErrnoIOException(e);
            }
        }

        @Override
        public String toString() {
            return "/dev/" + disk.name();
        }
    }
}
