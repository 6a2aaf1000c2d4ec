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
 * GET /metrics: a machine's state in the Prometheus text format. Per zram device (labels
 * {@code device}, and {@code algorithm} = the selected comp_algorithm): disksize, initstate, every
 * mm_stat, io_stat and bd_stat field, and the block layer's request counters; per machine:
 * possible and online CPUs, each CPU's online state, hotplug transitions (up/down), failed
 * transitions, rollbacks and callbacks, splat lines by kind since boot, oopses, loaded modules and
 * their reference counts, open NBD connections.
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

    private static void perDevice(PrometheusText p, List<Dev> devs, String name, String type, String help,
            ToLongFunction<Dev> value) {
        p.family(name, type, help);
        for (Dev d : devs) {
            long v = value.applyAsLong(d);
            if (v >= 0) {
                p.sample(v, "device", d.name(), "algorithm", d.algorithm());
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
        perDevice(p, devs, "jzram_zram_disksize_bytes", "gauge", "disksize: the device's capacity (0 = not initialised)",
                Dev::disksize);
        perDevice(p, devs, "jzram_zram_initstate", "gauge", "initstate: 1 when the device has a disksize", Dev::initstate);
        String[][] mm = {
            {"jzram_zram_orig_data_size_bytes", "gauge", "mm_stat orig_data_size: uncompressed size of the stored pages"},
            {"jzram_zram_compr_data_size_bytes", "gauge", "mm_stat compr_data_size: compressed size of the stored pages"},
            {"jzram_zram_mem_used_total_bytes", "gauge", "mm_stat mem_used_total: memory the pool holds, overhead included"},
            {"jzram_zram_mem_limit_bytes", "gauge", "mm_stat mem_limit: the pool's limit (0 = none)"},
            {"jzram_zram_mem_used_max_bytes", "gauge", "mm_stat mem_used_max: the pool's peak since init or the last reset of the peak"},
            {"jzram_zram_same_pages", "gauge", "mm_stat same_pages: same-filled pages stored without allocation"},
            {"jzram_zram_pages_compacted_total", "counter", "mm_stat pages_compacted: pages freed by compaction"},
            {"jzram_zram_huge_pages", "gauge", "mm_stat huge_pages: incompressible pages stored raw"},
            {"jzram_zram_huge_pages_since_total", "counter", "mm_stat huge_pages_since: incompressible pages stored since init"},
        };
        for (int i = 0; i < mm.length; i++) {
            int idx = i;
            perDevice(p, devs, mm[i][0], mm[i][1], mm[i][2], d -> at(d.mm(), idx));
        }
        perDevice(p, devs, "jzram_zram_failed_reads_total", "counter", "io_stat failed_reads", d -> at(d.io(), 0));
        perDevice(p, devs, "jzram_zram_failed_writes_total", "counter", "io_stat failed_writes", d -> at(d.io(), 1));
        perDevice(p, devs, "jzram_zram_notify_free_total", "counter", "io_stat notify_free: slots freed by discard, write-zeroes or overwrite notification",
                d -> at(d.io(), 3));
        perDevice(p, devs, "jzram_zram_bd_count_pages", "gauge", "bd_stat bd_count: pages written back to the backing device, in 4 KiB units",
                d -> at(d.bd(), 0));
        perDevice(p, devs, "jzram_zram_bd_reads_pages_total", "counter", "bd_stat bd_reads: pages read from the backing device, in 4 KiB units",
                d -> at(d.bd(), 1));
        perDevice(p, devs, "jzram_zram_bd_writes_pages_total", "counter", "bd_stat bd_writes: pages written to the backing device, in 4 KiB units",
                d -> at(d.bd(), 2));
        perDevice(p, devs, "jzram_disk_reads_completed_total", "counter", "block layer stat: read requests completed", d -> at(d.stat(), 0));
        perDevice(p, devs, "jzram_disk_read_sectors_total", "counter", "block layer stat: 512-byte sectors read", d -> at(d.stat(), 2));
        perDevice(p, devs, "jzram_disk_writes_completed_total", "counter", "block layer stat: write requests completed", d -> at(d.stat(), 4));
        perDevice(p, devs, "jzram_disk_written_sectors_total", "counter", "block layer stat: 512-byte sectors written", d -> at(d.stat(), 6));
        perDevice(p, devs, "jzram_disk_discards_completed_total", "counter", "block layer stat: discard requests completed", d -> at(d.stat(), 11));

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
        return p.toString();
    }
}
