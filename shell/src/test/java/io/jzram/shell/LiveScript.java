// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import io.jzram.sysfs.zram.OracleTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The script {@link RealKernelDifferentialTest} runs with bash on the real zram0 and with jzram sh on
 * the emulator: the defaults and the algorithm listing; every file of the block device (zram's, the
 * block layer's, queue/, power/, trace/, holders/, slaves/) in each state (fresh, initialised, with
 * data, after reset, hot-added); the writable block files' stores on the hot-added device (safe
 * there: nothing else uses it); hot_add and hot_remove with their errors; failing commands and
 * their messages; dd of generated pages (and of the shared corpus when given) with each algorithm,
 * mm_stat after each; and every store of the oracle table. Each output of a file is labelled
 * ("-- NAME" or head's "==> PATH <==") so the comparison knows what a line is.
 *
 * <p>Only what jzram sh has is used (no command substitution, no functions, no conditionals but
 * &&); the script spawns few processes (head reads many files at once; after an oracle store the
 * device is shown only when the store succeeded or was written in several parts), so bash runs it
 * in seconds.
 */
final class LiveScript {

    private LiveScript() {
    }

    static final List<String> ALGORITHMS = List.of("lzo-rle", "lzo", "lz4");

    static final List<String> DISK_FILES = List.of("algorithm_params", "alignment_offset", "capability", "comp_algorithm",
            "compact", "debug_stat", "dev", "discard_alignment", "diskseq", "disksize", "events", "events_async",
            "events_poll_msecs", "ext_range", "hidden", "idle", "inflight", "initstate", "io_stat", "mem_limit", "mem_used_max",
            "mm_stat", "partscan", "range", "removable", "reset", "ro", "size", "stat", "uevent");

    static final List<String> QUEUE_FILES = List.of("add_random", "atomic_write_boundary_bytes", "atomic_write_max_bytes",
            "atomic_write_unit_max_bytes", "atomic_write_unit_min_bytes", "chunk_sectors", "dax", "discard_granularity",
            "discard_max_bytes", "discard_max_hw_bytes", "discard_zeroes_data", "dma_alignment", "fua", "hw_sector_size",
            "io_poll", "io_poll_delay", "iostats", "iostats_passthrough", "logical_block_size", "max_discard_segments",
            "max_hw_sectors_kb", "max_integrity_segments", "max_sectors_kb", "max_segment_size", "max_segments",
            "max_write_streams", "minimum_io_size", "nomerges", "nr_zones", "optimal_io_size", "physical_block_size",
            "read_ahead_kb", "rotational", "stable_writes", "virt_boundary_mask", "write_cache", "write_same_max_bytes",
            "write_stream_granularity", "write_zeroes_max_bytes", "write_zeroes_unmap_max_bytes",
            "write_zeroes_unmap_max_hw_bytes", "zone_append_max_bytes", "zone_write_granularity", "zoned");

    /** The bdi's files (max_bytes left out: it follows the machine's free memory, which jzram does not model). */
    static final List<String> BDI_FILES = List.of("bdi/read_ahead_kb", "bdi/min_ratio", "bdi/min_ratio_fine", "bdi/max_ratio",
            "bdi/max_ratio_fine", "bdi/min_bytes", "bdi/stable_pages_required", "bdi/strict_limit", "bdi/uevent");

    static final List<String> SUB_FILES = List.of("power/autosuspend_delay_ms", "power/control", "power/runtime_active_time",
            "power/runtime_status", "power/runtime_suspended_time", "trace/act_mask", "trace/enable", "trace/end_lba",
            "trace/pid", "trace/start_lba");

    /** The writable block files and what is written to each, on the hot-added device (uevent: no add/remove, udev acts on those). */
    static final Map<String, List<String>> BLOCK_STORES = new LinkedHashMap<>();

    static {
        BLOCK_STORES.put("queue/read_ahead_kb", List.of("0", "256", "-1", "abc", "4294967295", "4294967296", "5", "128\\n", "128"));
        BLOCK_STORES.put("queue/max_sectors_kb", List.of("0", "1", "3", "4", "8", "123", "124", "125", "1000", "abc", "4294967296",
                "0"));
        BLOCK_STORES.put("queue/discard_max_bytes", List.of("4095", "8192", "12288", "2199023255040", "4294967296", "0", "4096",
                "0"));
        BLOCK_STORES.put("queue/rotational", List.of("1", "0", "2", "abc", "-1", " 1", "1 ", "0x1", "0"));
        BLOCK_STORES.put("queue/add_random", List.of("1", "2", "abc", "0"));
        BLOCK_STORES.put("queue/iostats", List.of("1", "abc", "0"));
        BLOCK_STORES.put("queue/iostats_passthrough", List.of("1", "0"));
        BLOCK_STORES.put("queue/stable_writes", List.of("0", "2", "abc", "1"));
        BLOCK_STORES.put("queue/nomerges", List.of("1", "2", "3", "abc", "-1", "0"));
        BLOCK_STORES.put("queue/io_poll", List.of("0", "1"));
        BLOCK_STORES.put("queue/io_poll_delay", List.of("0", "5", "abc", "-1"));
        BLOCK_STORES.put("queue/write_cache", List.of("write back", "write through", "write", "none", "abc", "write back extra",
                "write through"));
        BLOCK_STORES.put("queue/write_zeroes_unmap_max_bytes", List.of("0", "4096", "abc", "0"));
        BLOCK_STORES.put("queue/logical_block_size", List.of("512"));
        BLOCK_STORES.put("events_poll_msecs", List.of("-1", "0", "100", "-2", "abc", " 5x", "-1"));
        BLOCK_STORES.put("uevent", List.of("change", "change\\n", "bogus", "add ", "change 1234",
                "change 01234567-89ab-cdef-0123-456789abcdef", "change 01234567-89ab-cdef-0123-456789abcdef A=1 B=2"));
        BLOCK_STORES.put("power/control", List.of("on", "bogus", " auto", "auto\\n"));
        BLOCK_STORES.put("power/autosuspend_delay_ms", List.of("100", "abc"));
        BLOCK_STORES.put("trace/act_mask", List.of("read", "READ,write", "read,,fua", " read ", "0x3", "65536", "read,bogus",
                "abc"));
        BLOCK_STORES.put("trace/enable", List.of("0", "abc", "2", "0"));
        BLOCK_STORES.put("trace/start_lba", List.of("7"));
        BLOCK_STORES.put("trace/end_lba", List.of("9"));
        BLOCK_STORES.put("trace/pid", List.of("5", "4294967297"));
        BLOCK_STORES.put("bdi/read_ahead_kb", List.of("256", "abc", "-1", "128"));
        BLOCK_STORES.put("bdi/min_ratio", List.of("5", "101", "abc", "0"));
        BLOCK_STORES.put("bdi/max_ratio", List.of("50", "3", "101", "100"));
        BLOCK_STORES.put("bdi/max_ratio_fine", List.of("500000", "1000001", "1000000"));
        BLOCK_STORES.put("bdi/strict_limit", List.of("1", "2", "abc", "0"));
    }

    /** The oracle stores that change what the device shows when they succeed; after the others nothing is shown. */
    private static final List<String> STATEFUL = List.of("disksize", "reset", "mem_limit", "comp_algorithm");

    /**
     * The script. {@code pages}: a file of generated pages; {@code corpus}: a prefix of the shared
     * corpus, or null; {@code hotId}: the id hot_add will give (the lowest free one).
     */
    static String build(String pages, String corpus, long corpusPages, int hotId, OracleTable table) {
        List<String> s = new ArrayList<>();
        String d = "/sys/block/zram" + hotId;
        s.add("Z=/sys/block/zram0");
        s.add("C=/sys/class/zram-control");
        s.add("cat $Z/comp_algorithm");
        s.add("ls $C");
        dump(s, "$Z", "fresh");
        s.add("echo 64M > $Z/disksize");
        dump(s, "$Z", "initialised");
        s.add("dd if=" + pages + " of=/dev/zram0 bs=4k oflag=direct status=none");
        dump(s, "$Z", "with data");
        s.add("echo 1 > $Z/reset");
        dump(s, "$Z", "after reset");
        s.add("cat $C/hot_add");
        s.add("D=" + d);
        dump(s, "$D", "hot-added");
        for (Map.Entry<String, List<String>> e : BLOCK_STORES.entrySet()) {
            for (String v : e.getValue()) {
                s.add("printf '" + v + "' 2>&1 > $D/" + e.getKey() + "; echo \"" + e.getKey() + " <- '" + v + "': $?\"; cat $D/"
                        + e.getKey() + " 2>&1");
            }
        }
        s.add("head $D/trace/enable $D/trace/act_mask $D/trace/pid $D/trace/start_lba $D/trace/end_lba");
        s.add("printf 0 > $D/trace/enable");
        s.add("echo 8M > $D/disksize; printf 1 > $D/trace/enable; cat $D/trace/end_lba; printf 0 > $D/trace/enable");
        s.add("echo " + hotId + " > $C/hot_remove; echo \"hot_remove " + hotId + ": $?\"");
        s.add("echo " + hotId + " > $C/hot_remove; echo \"hot_remove " + hotId + " again: $?\"");
        s.add("echo -1 > $C/hot_remove; echo \"hot_remove -1: $?\"");
        s.add("echo x > $C/hot_remove; echo \"hot_remove x: $?\"");
        s.add("cat $C/hot_remove");
        s.add("echo 1 > $C/hot_add");
        s.add("ls " + d);
        s.add("cat $C/hot_add; cat $C/hot_add");
        s.add("echo " + (hotId + 1) + " > $C/hot_remove; echo " + hotId + " > $C/hot_remove; echo \"removed: $?\"");
        // failing commands and their messages
        s.add("cat $Z/reset $Z/compact $Z/nonexistent");
        s.add("echo 1 > $Z/nonexistent");
        s.add("echo 1 > $Z/size");
        s.add("echo 1 > $Z/queue/logical_block_size");
        s.add("echo zstd > $Z/comp_algorithm");
        s.add("echo lz4hc > $Z/comp_algorithm");
        s.add("echo deflate > $Z/comp_algorithm");
        s.add("echo 842 > $Z/comp_algorithm");
        s.add("cat $Z/comp_algorithm");
        s.add("echo 1 > $Z/compact");
        s.add("echo x > $Z/disksize");
        s.add("echo 4M > $Z/disksize; echo 8M > $Z/disksize");
        s.add("echo lz4 > $Z/comp_algorithm");
        s.add("dd if=/dev/zero of=/dev/zram0 bs=4k seek=1024 count=1 oflag=direct status=none; echo \"dd past the end: $?\"");
        s.add("echo 1 > $Z/reset");
        // each algorithm with real pages
        for (String a : ALGORITHMS) {
            s.add("echo 1 > $Z/reset");
            s.add("echo " + a + " > $Z/comp_algorithm; cat $Z/comp_algorithm");
            s.add("echo 64M > $Z/disksize");
            s.add("dd if=" + pages + " of=/dev/zram0 bs=4k oflag=direct status=none");
            s.add("echo 'mm_stat " + a + " pages'; cat $Z/mm_stat");
            s.add("dd if=/dev/zram0 bs=4k count=10 iflag=direct status=none | cmp - " + pages + "; echo \"read back " + a + ": $?\"");
            if (corpus != null) {
                s.add("dd if=" + corpus + " of=/dev/zram0 bs=4k seek=16 oflag=direct status=none");
                s.add("echo 'mm_stat " + a + " corpus'; cat $Z/mm_stat");
                s.add("dd if=/dev/zram0 bs=4k skip=16 count=" + corpusPages + " iflag=direct status=none | cmp - " + corpus
                        + "; echo \"corpus back " + a + ": $?\"");
            }
            s.add("echo 1 > $Z/compact; echo all > $Z/idle");
            s.add("echo 'mm_stat " + a + " compacted'; cat $Z/mm_stat");
            s.add("head $Z/io_stat $Z/debug_stat $Z/initstate $Z/disksize");
            s.add("echo 0 > $Z/mem_used_max");
            s.add("echo 'mm_stat " + a + " max reset'; cat $Z/mm_stat");
        }
        // every store of the oracle table
        s.add("echo 1 > $Z/reset");
        String prepared = null;
        for (OracleTable.Row r : table.rows()) {
            boolean init = r.state().equals("init");
            boolean stateful = STATEFUL.contains(r.attr());
            String key = r.attr() + " " + r.state();
            if (stateful || !key.equals(prepared)) {
                s.add("echo 1 > $Z/reset; echo 0 > $Z/mem_limit");
                if (init) {
                    s.add("echo lz4 > $Z/comp_algorithm; echo 16M > $Z/disksize");
                }
                prepared = key;
            }
            boolean parts = splitWrite(r.input());
            String show = stateful || parts ? " && head -q $Z/disksize $Z/initstate $Z/comp_algorithm $Z/mm_stat" : "";
            s.add("printf '" + printfFormat(r.input()) + "' 2>&1 > $Z/" + r.attr() + show + "; echo \"" + key + ", oracle line "
                    + r.line() + ": $?\"");
            if (parts) {
                s.add("head -q $Z/disksize $Z/initstate $Z/comp_algorithm $Z/mm_stat");
            }
        }
        s.add("echo 1 > $Z/reset; echo 0 > $Z/mem_limit");
        return String.join("\n", s) + "\n";
    }

    /** Whether bash writes this in several write(2)s (a newline before its end, or over 4096 bytes). */
    static boolean splitWrite(byte[] b) {
        for (int i = 0; i < b.length - 1; i++) {
            if (b[i] == '\n') {
                return true;
            }
        }
        return b.length > Commands.STDIO_BUFFER;
    }

    /** A printf format that prints exactly these bytes (the oracle's escapes, which printf reads too, and % and '). */
    static String printfFormat(byte[] b) {
        return OracleTable.escape(b).replace("%", "%%").replace("'", "'\\''");
    }

    private static void dump(List<String> s, String dir, String state) {
        s.add("echo '== " + state + "'");
        s.add("ls " + dir);
        s.add("ls " + dir + "/queue " + dir + "/power " + dir + "/trace " + dir + "/holders " + dir + "/slaves");
        s.add("head -n 20 " + files(dir, "", DISK_FILES) + " 2>&1");
        s.add("head -n 20 " + files(dir, "queue/", QUEUE_FILES) + " 2>&1");
        s.add("head -n 20 " + files(dir, "", SUB_FILES) + " 2>&1");
        s.add("ls " + dir + "/bdi " + dir + "/bdi/power");
        s.add("head -n 20 " + files(dir, "", BDI_FILES) + " 2>&1");
    }

    private static String files(String dir, String prefix, List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(dir).append('/').append(prefix).append(n);
        }
        return sb.toString();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
