// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import static io.jzram.sysfs.zram.ZramTesting.Z0;
import static io.jzram.sysfs.zram.ZramTesting.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on every store of a zram device and of zram-control (garbage, empty, huge, negative,
 * overflowing, embedded NULs, lines longer than a page), uninitialised and initialised: each answers
 * the kernel's errno, changes nothing a show can see, and logs no splat. An empty write is 0 bytes
 * written and changes nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZramBadInputTest {

    private static final String LONG = "x".repeat(5000);
    private static final String NINES = "9".repeat(4096);
    private static final String OVERFLOW = "18446744073709551616";

    @TempDir
    Path tmp;
    private Machine m;
    private long marker;

    @BeforeEach
    void boot() {
        m = ZramTesting.machine(ZramFixes.UPSTREAM, ZramKconfig.full());
        m.modprobe("zram");
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        m.rmmod("zram");
        assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        m.close();
    }

    /** Everything the device shows. */
    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        for (String a : m.ls("/sys/block/zram0")) {
            if (a.equals("uevent") || a.equals("queue") || a.equals("subsystem")) {
                continue;
            }
            try {
                sb.append(a).append('=').append(m.cat(Z0 + a).replace('\n', '|')).append('\n');
            } catch (ErrnoException e) {
                sb.append(a).append(": ").append(e.errno()).append('\n');
            }
        }
        sb.append("devices=").append(m.ls("/sys/block")).append('\n');
        return sb.toString();
    }

    private final List<String> failures = new ArrayList<>();
    private int checked;

    private void expect(String path, String input, String errno) {
        String before = fingerprint();
        String got = store(m, path, input);
        String after = fingerprint();
        checked++;
        String shown = input.length() > 24 ? input.substring(0, 12) + "...(" + input.length() + ")" : input;
        shown = shown.replace("\n", "\\n").replace("\0", "\\0");
        if (!got.equals(errno)) {
            failures.add(path + " '" + shown + "': expected " + errno + ", got " + got);
        }
        if (!before.equals(after)) {
            failures.add(path + " '" + shown + "' changed the device:\n" + before + "->\n" + after);
        }
    }

    private void expectAll(String attr, String errno, String... inputs) {
        for (String in : inputs) {
            expect(Z0 + attr, in, errno);
        }
    }

    private void commonChecks(boolean init) {
        expect(Z0 + "disksize", "", "0");
        expectAll("disksize", "EINVAL", "abc\n", "-1\n", OVERFLOW + "\n", "\0" + "1", "\n", LONG, "0x\n", " 1\n", "+1\n");
        expectAll("reset", "EINVAL", "abc\n", "-1\n", "0\n", "\0" + "1", "1 \n", LONG, "0x1\n", "1\n\n");
        expectAll("reset", "ERANGE", "65536\n", OVERFLOW + "\n", NINES);
        expectAll("mem_limit", "EINVAL", "abc\n", "-1\n", " 1\n", "\0" + "1", LONG, "\n");
        expectAll("mem_used_max", "EINVAL", "1\n", "abc\n", "-1\n", OVERFLOW + "\n", "0 \n", "\0" + "0", LONG, "0x0\n");
        expectAll("idle", "EINVAL", "al\n", "allx", "abc\n", "-1\n", "\0all", LONG, "all all", OVERFLOW, "all\n\n");
        expectAll("comp_algorithm", "EINVAL", "bogus\n", "LZ4", "\0lz4", "x".repeat(127), "lz4 \n", "\n", " lz4");
        expectAll("comp_algorithm", "E2BIG", "x".repeat(128), LONG, NINES);
        expectAll("writeback_limit", "EINVAL", "abc", "-1", OVERFLOW, "\0" + "1", LONG, "0x10", "1 ");
        expectAll("writeback_limit_enable", "EINVAL", "abc", "-1", OVERFLOW, "\0" + "1", LONG, "yes");
        expectAll("recomp_algorithm", "EINVAL", "bogus", "algo=bogus", "priority=2", "algo=zstd priority=0",
                "algo=zstd priority=4", "algo=zstd priority=abc", LONG, "algo=", "algo=zstd priority=-1");
        expectAll("recomp_algorithm", "ERANGE", "algo=zstd priority=99999999999");
        expectAll("recomp_algorithm", "E2BIG", "algo=" + "x".repeat(200));
        expectAll("recompress", "EINVAL", "type", "max_pages=abc", "threshold=99999", "priority=-1", LONG, "algo=");
        expectAll("recompress", "ERANGE", "threshold=99999999999", "max_pages=" + OVERFLOW);
        expectAll("algorithm_params", "EINVAL", "level", "level=abc", "priority=9", "priority=-1", "algo=bogus",
                "dict=/nonexistent/dict", "deflate.winbits=x", LONG, "level=");
        expectAll("algorithm_params", "ERANGE", "level=99999999999");
        for (String ro : new String[] {"initstate", "io_stat", "mm_stat", "bd_stat", "debug_stat", "stat", "size"}) {
            expect(Z0 + ro, "1\n", "EACCES");
        }
        String hr = "/sys/class/zram-control/hot_remove";
        for (String in : new String[] {"abc", "-1", "\0" + "1", LONG, "1.0", " 1"}) {
            expect(hr, in, "EINVAL");
        }
        expect(hr, "99999999999", "ERANGE");
        expect(hr, "12345", "ENODEV");
        expect("/sys/class/zram-control/hot_add", "1", "EACCES");
        if (!init) {
            expectAll("compact", "EINVAL", "1\n", "abc", LONG);
            expect(Z0 + "compact", "", "0");
            expectAll("writeback", "EINVAL", "idle\n", "bogus", LONG);
            expectAll("backing_dev", "ENOENT", "/nonexistent/file\n", "\n", "\0/tmp");
            expectAll("backing_dev", "EISDIR", "/\n");
            expectAll("backing_dev", "ENOTBLK", "/dev/null\n");
        } else {
            expectAll("backing_dev", "EBUSY", "/nonexistent/file\n", "\n", "/\n");
            expectAll("writeback", "ENODEV", "idle\n", "bogus", LONG, "page_index=abc");
            expectAll("recompress", "EINVAL", "algo=bogus", "priority=3");
        }
    }

    @Test
    void uninitialisedDevice() {
        commonChecks(false);
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
        assertThat(checked).isGreaterThan(100);
        System.out.println("bad input, uninitialised: " + checked + " stores checked");
    }

    @Test
    void initialisedDevice() throws IOException {
        assertThat(store(m, Z0 + "recomp_algorithm", "algo=zstd priority=1")).isNotEqualTo("EINVAL");
        assertThat(store(m, Z0 + "disksize", "16M")).isEqualTo("3");
        commonChecks(true);
        // with a backing file: writeback's own argument errors
        store(m, Z0 + "reset", "1");
        Path backing = tmp.resolve("backing");
        Files.write(backing, new byte[1 << 20]);
        assertThat(store(m, Z0 + "backing_dev", backing + "\n")).isNotEqualTo("ENOENT");
        assertThat(store(m, Z0 + "disksize", "16M")).isEqualTo("3");
        expectAll("writeback", "EINVAL", "bogus\n", "type=bogus", "page_index=abc", "page_index=-1", "page_indexes=5",
                "type=", LONG, "page_indexes=1-x");
        expectAll("writeback", "ERANGE", "page_index=99999999999", "page_indexes=3-1", "page_index=" + OVERFLOW,
                "page_index=4096", "page_indexes=1-4096");
        expectAll("backing_dev", "EBUSY", backing.toString());
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
        System.out.println("bad input, initialised: " + checked + " stores checked");
        store(m, Z0 + "reset", "1");
    }
}
