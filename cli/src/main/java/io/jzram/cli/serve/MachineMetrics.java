// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.module.Module;
import io.jzram.nbd.NbdServer;
import io.jzram.sysfs.Machine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * GET /metrics: a machine's state in the Prometheus text format, in base units (bytes and
 * seconds: page counts × 4096, sectors × 512, milliseconds / 1000), {@code _total} on counters
 * only. Per zram device (label {@code device}): one {@code jzram_zram_info} series with the
 * selected compression algorithm, disksize, initstate, every mm_stat, io_stat and bd_stat field,
 * and all 17 fields of the block layer's stat file (Documentation/block/stat.rst, named as
 * node_exporter names them for real disks); per machine: possible and online CPUs, each CPU's
 * online state, hotplug transitions (up/down), failed transitions, rollbacks and callbacks, splat
 * lines by kind since boot, oopses, loaded modules and their reference counts, open NBD
 * connections; per process: resident memory, off-heap memory, CPU time and start time.
 *
 * <p>The device numbers are read through the machine's files (/sys/block/zramN/...), the ABI the
 * driver promises; a device that goes away while it is read is left out of that scrape.
 */
public final class MachineMetrics {

    private static final Pattern ZRAM = Pattern.compile("zram[0-9]+");

    private final Machine machine;
    private final NbdServer nbd;

    public MachineMetrics(Machine machine, NbdServer nbd) {
        this.machine = machine;
        this.nbd = nbd;
    }

    /** One device's numbers, as read. */
    record Dev(String name, String algorithm, long disksize, long initstate, long[] mm, long[] io, long[] bd,
               long[] stat) {
    }

    private static long[] numbers(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return new long[0];
        }
        String[] w = t.split("\\s+");
        long[] out = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            try {
                out[i] = Long.parseLong(w[i]);
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
        }
        return out;
    }

    private long[] optionalNumbers(String path) {
        try {
            return numbers(machine.cat(path));
        } catch (ErrnoException e) {
            return null;
        }
    }

    private List<Dev> devices() {
        List<Dev> out = new ArrayList<>();
        List<String> names;
        try {
            names = machine.ls("/sys/block");
        } catch (ErrnoException e) {
            return out;
        }
        for (String n : names) {
            if (!ZRAM.matcher(n).matches()) {
                continue;
            }
            String dir = "/sys/block/" + n + "/";
            try {
                String alg = machine.cat(dir + "comp_algorithm");
                int l = alg.lastIndexOf('[');
                int r = alg.lastIndexOf(']');
                String algorithm = l >= 0 && r > l + 1 ? alg.substring(l + 1, r) : "";
                long disksize = Long.parseLong(machine.cat(dir + "disksize").strip());
                long init = Long.parseLong(machine.cat(dir + "initstate").strip());
                long[] mm = numbers(machine.cat(dir + "mm_stat"));
                long[] io = numbers(machine.cat(dir + "io_stat"));
                out.add(new Dev(n, algorithm, disksize, init, mm, io, optionalNumbers(dir + "bd_stat"),
                        optionalNumbers(dir + "stat")));
            } catch (ErrnoException | NumberFormatException e) {
                // removed or reset while being read: not in this scrape
            }
        }
        out.sort(Comparator.comparingInt(d -> Integer.parseInt(d.name().substring(4))));
        return out;
    }

    private static final long PAGE = 4096;
    private static final long SECTOR = 512;

    private static void perDevice(PrometheusText p, List<Dev> devs, String name, String type, String help,
            ToLongFunction<Dev> value) {
        perDevice(p, devs, name, type, help, value, 1);
    }

    /** A family with one sample per device: the field times {@code scale} (a negative field: none). */
    private static void perDevice(PrometheusText p, List<Dev> devs, String name, String type, String help,
            ToLongFunction<Dev> value, double scale) {
        p.family(name, type, help);
        for (Dev d : devs) {
            long v = value.applyAsLong(d);
            if (v >= 0) {
                p.sample(v * scale, "device", d.name());
            }
        }
    }

    private static long at(long[] a, int i) {
        return a != null && i < a.length ? a[i] : -1;
    }

    /** The whole exposition. */
    public String scrape() {
        List<Dev> devs = devices();
        PrometheusText p = new PrometheusText();
        p.family("jzram_zram_info", "gauge", "1 per zram device, with its selected compression algorithm (comp_algorithm)");
        for (Dev d : devs) {
            p.sample(1, "device", d.name(), "algorithm", d.algorithm());
        }
        perDevice(p, devs, "jzram_zram_disksize_bytes", "gauge", "disksize: the device's capacity (0 = not initialised)",
                Dev::disksize);
        perDevice(p, devs, "jzram_zram_initstate", "gauge", "initstate: 1 when the device has a disksize", Dev::initstate);
        Object[][] mm = {
            {"jzram_zram_orig_data_size_bytes", "gauge", "mm_stat orig_data_size: uncompressed size of the stored data", 1L},
            {"jzram_zram_compr_data_size_bytes", "gauge", "mm_stat compr_data_size: compressed size of the stored data", 1L},
            {"jzram_zram_mem_used_bytes", "gauge", "mm_stat mem_used_total: memory the pool holds, its overhead included", 1L},
            {"jzram_zram_mem_limit_bytes", "gauge", "mm_stat mem_limit: the most the pool may hold (0 = no limit)", 1L},
            {"jzram_zram_mem_used_max_bytes", "gauge", "mm_stat mem_used_max: the pool's peak since init or the last reset "
                + "of the peak", 1L},
            {"jzram_zram_same_filled_data_bytes", "gauge", "mm_stat same_pages x 4096: data in same-filled pages, stored "
                + "without allocation", PAGE},
            {"jzram_zram_compacted_bytes_total", "counter", "mm_stat pages_compacted x 4096: memory freed by compaction", PAGE},
            {"jzram_zram_huge_data_bytes", "gauge", "mm_stat huge_pages x 4096: data in incompressible pages, stored raw", PAGE},
            {"jzram_zram_huge_written_bytes_total", "counter", "mm_stat huge_pages_since x 4096: incompressible pages stored "
                + "since init", PAGE},
        };
        for (int i = 0; i < mm.length; i++) {
            int idx = i;
            perDevice(p, devs, (String) mm[i][0], (String) mm[i][1], (String) mm[i][2], d -> at(d.mm(), idx), (Long) mm[i][3]);
        }
        perDevice(p, devs, "jzram_zram_failed_reads_total", "counter", "io_stat failed_reads: reads that failed",
                d -> at(d.io(), 0));
        perDevice(p, devs, "jzram_zram_failed_writes_total", "counter", "io_stat failed_writes: writes that failed",
                d -> at(d.io(), 1));
        perDevice(p, devs, "jzram_zram_invalid_io_total", "counter", "io_stat invalid_io: requests not aligned to 4096 bytes",
                d -> at(d.io(), 2));
        perDevice(p, devs, "jzram_zram_notify_free_total", "counter", "io_stat notify_free: slots freed by discard, "
                + "write-zeroes or overwrite notification", d -> at(d.io(), 3));
        perDevice(p, devs, "jzram_zram_backing_dev_data_bytes", "gauge", "bd_stat bd_count x 4096: data written back to "
                + "the backing device and still there", d -> at(d.bd(), 0), PAGE);
        perDevice(p, devs, "jzram_zram_backing_dev_read_bytes_total", "counter", "bd_stat bd_reads x 4096: data read from "
                + "the backing device", d -> at(d.bd(), 1), PAGE);
        perDevice(p, devs, "jzram_zram_backing_dev_written_bytes_total", "counter", "bd_stat bd_writes x 4096: data "
                + "written to the backing device", d -> at(d.bd(), 2), PAGE);
        blockStat(p, devs);

        CpuHotplug hp = machine.hotplug();
        p.family("jzram_cpus_possible", "gauge", "possible (= present) CPUs").sample(hp.nrCpus());
        p.family("jzram_cpus_online", "gauge", "online CPUs").sample(hp.onlineCount());
        p.family("jzram_cpu_online", "gauge", "1 when the CPU is online");
        for (int c = 0; c < hp.nrCpus(); c++) {
            p.sample(hp.isOnline(c) ? 1 : 0, "cpu", Integer.toString(c));
        }
        CpuHotplug.Stats s = hp.stats();
        p.family("jzram_cpu_hotplug_transitions_total", "counter", "CPU hotplug toggles that completed, by direction")
                .sample(s.ups(), "direction", "up").sample(s.downs(), "direction", "down");
        p.family("jzram_cpu_hotplug_failed_transitions_total", "counter", "CPU up/down requests that failed or were refused")
                .sample(s.failedTransitions());
        p.family("jzram_cpu_hotplug_rollbacks_total", "counter", "cpuhp rollbacks after a failing callback").sample(s.rollbacks());
        p.family("jzram_cpu_hotplug_callbacks_total", "counter", "cpuhp state callbacks invoked").sample(s.callbacks());

        p.family("jzram_kernel_splats_total", "counter", "kernel log lines of each splat kind since boot (BUG, WARNING, lockdep, hung task, ...)");
        for (SplatKind k : SplatKind.values()) {
            p.sample(machine.kernel().log().splatTotal(k), "kind", k.name().toLowerCase(Locale.ROOT));
        }
        p.family("jzram_kernel_oopses_total", "counter", "oopses (code of an unloaded module reached, ...)")
                .sample(machine.kernel().oopses());
        List<Module> mods = machine.modules().loaded();
        p.family("jzram_module_loaded", "gauge", "1 for each module loaded (state LIVE, COMING or GOING)");
        for (Module m : mods) {
            p.sample(1, "module", m.name(), "state", m.state().name().toLowerCase(Locale.ROOT));
        }
        p.family("jzram_module_refcount", "gauge", "module reference count (openers of its devices and files)");
        for (Module m : mods) {
            p.sample(m.refcount(), "module", m.name());
        }
        if (nbd != null) {
            p.family("jzram_nbd_connections", "gauge", "open NBD connections").sample(nbd.connectionCount());
        }
        ProcessMetrics.write(p);
        return p.toString();
    }

    /** /sys/block/zramN/stat, all 17 fields (Documentation/block/stat.rst), in bytes and seconds. */
    private static void blockStat(PrometheusText p, List<Dev> devs) {
        String[][] f = {
            {"jzram_disk_reads_completed_total", "counter", "stat read I/Os: read requests completed", "1"},
            {"jzram_disk_reads_merged_total", "counter", "stat read merges: read requests merged", "1"},
            {"jzram_disk_read_bytes_total", "counter", "stat read sectors x 512: bytes read", "512"},
            {"jzram_disk_read_time_seconds_total", "counter", "stat read ticks / 1000: time spent on reads", "0.001"},
            {"jzram_disk_writes_completed_total", "counter", "stat write I/Os: write requests completed", "1"},
            {"jzram_disk_writes_merged_total", "counter", "stat write merges: write requests merged", "1"},
            {"jzram_disk_written_bytes_total", "counter", "stat write sectors x 512: bytes written", "512"},
            {"jzram_disk_write_time_seconds_total", "counter", "stat write ticks / 1000: time spent on writes", "0.001"},
            {"jzram_disk_io_now", "gauge", "stat in_flight: requests in flight", "1"},
            {"jzram_disk_io_time_seconds_total", "counter", "stat io_ticks / 1000: time the device had requests in flight",
                "0.001"},
            {"jzram_disk_io_time_weighted_seconds_total", "counter", "stat time_in_queue / 1000: request time summed over "
                + "all requests", "0.001"},
            {"jzram_disk_discards_completed_total", "counter", "stat discard I/Os: discard requests completed", "1"},
            {"jzram_disk_discards_merged_total", "counter", "stat discard merges: discard requests merged", "1"},
            {"jzram_disk_discarded_bytes_total", "counter", "stat discard sectors x 512: bytes discarded", "512"},
            {"jzram_disk_discard_time_seconds_total", "counter", "stat discard ticks / 1000: time spent on discards", "0.001"},
            {"jzram_disk_flush_requests_total", "counter", "stat flush I/Os: flush requests completed", "1"},
            {"jzram_disk_flush_requests_time_seconds_total", "counter", "stat flush ticks / 1000: time spent on flushes",
                "0.001"},
        };
        for (int i = 0; i < f.length; i++) {
            int idx = i;
            perDevice(p, devs, f[i][0], f[i][1], f[i][2], d -> at(d.stat(), idx), Double.parseDouble(f[i][3]));
        }
    }
}
