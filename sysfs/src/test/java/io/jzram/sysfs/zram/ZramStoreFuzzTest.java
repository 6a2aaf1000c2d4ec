// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.zram;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jzram.kernel.ErrnoException;
import io.jzram.sysfs.FileStat;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Fuzzes every store of zram's files through the machine's file API: any bytes written to any
 * writable file of an initialised device (zram0, holding data) or of an uninitialised one (zram1),
 * or to zram-control's hot_remove, either are accepted or refused with an errno. A refused store
 * changes nothing: every readable file of both devices, zram-control's and the list of devices read
 * the same before and after. No store may throw anything but an errno, or splat. After an accepted
 * store the module is reloaded, so every input starts from the same state.
 *
 * <p>One exception: the uninitialised device's {@code backing_dev} is not fuzzed, because an
 * accepted path opens a file of the host read-write.
 *
 * <p>Regression mode runs {@code ZramStoreFuzzTestInputs/store}; fuzzing mode is
 * {@code JAZZER_FUZZ=1 mvn -pl sysfs -am test -Dtest=ZramStoreFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=5m} (docs/fuzzing.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZramStoreFuzzTest {
    private static final String[] DEVICES = {"/sys/block/zram0/", "/sys/block/zram1/"};
    private static final String HOT_REMOVE = "/sys/class/zram-control/hot_remove";

    private Machine m;
    /** Writable files: per device, then hot_remove. */
    private final List<String> targets = new ArrayList<>();
    /** What the machine shows now (a refused store must leave it so). */
    private String current;
    /** The same right after set-up, without what a reload renumbers or times ({@link #normalized}). */
    private String baseline;
    private long accepted;
    private long refused;

    @BeforeAll
    void boot() {
        m = ZramTesting.machine(ZramFixes.UPSTREAM, ZramKconfig.full());
        setUp();
        for (String dev : DEVICES) {
            for (String name : m.ls(dev)) {
                FileStat st = m.stat(dev + name);
                if (st.type() == FileStat.Type.REGULAR && (st.mode() & 0200) != 0
                        && !(dev.equals(DEVICES[1]) && name.equals("backing_dev"))) {
                    targets.add(dev + name);
                }
            }
        }
        targets.add(HOT_REMOVE);
        current = fingerprint();
        baseline = normalized(current);
        System.out.println("zram store fuzzing: " + targets.size() + " targets " + targets);
    }

    @AfterAll
    void shutdown() {
        System.out.printf("zram store fuzzing: %d targets, %d stores accepted, %d refused%n", targets.size(), accepted, refused);
        m.close();
    }

    /** zram loaded with two devices: zram0 initialised with data on a few pages, zram1 not. */
    private void setUp() {
        m.modprobe("zram", "num_devices=2");
        m.writeString("/sys/block/zram0/disksize", "1M");
        try (MachineFile f = m.open("/dev/zram0", OpenFlag.RDWR)) {
            byte[] page = new byte[4096];
            for (int p = 0; p < 8; p++) {
                for (int i = 0; i < page.length; i++) {
                    page[i] = (byte) (p * 31 + i % (p + 3));
                }
                f.blockDevice().write((long) p * 4096, ByteBuffer.wrap(page));
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything both devices and zram-control show. */
    private String fingerprint() {
        StringBuilder sb = new StringBuilder();
        sb.append("devices=").append(m.ls("/sys/block")).append('\n');
        for (String dev : DEVICES) {
            if (!m.exists(dev)) {
                sb.append(dev).append(" gone\n");
                continue;
            }
            for (String a : m.ls(dev)) {
                FileStat st;
                try {
                    st = m.stat(dev + a);
                } catch (ErrnoException e) {
                    continue;
                }
                if (st.type() != FileStat.Type.REGULAR || (st.mode() & 0444) == 0 || a.equals("uevent")) {
                    continue;
                }
                try {
                    sb.append(dev).append(a).append('=').append(m.cat(dev + a).replace('\n', '|')).append('\n');
                } catch (ErrnoException e) {
                    sb.append(dev).append(a).append(": ").append(e.errno()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    @FuzzTest(maxDuration = "5m")
    void store(FuzzedDataProvider data) {
        String path = targets.get(data.consumeInt(0, targets.size() - 1));
        byte[] bytes = data.consumeRemainingAsBytes();
        long marker = m.kernel().log().marker();
        boolean ok;
        try {
            int n = m.write(path, bytes);
            if (n < 0 || n > bytes.length) {
                throw new AssertionError(path + ": write returned " + n + " for " + bytes.length + " bytes");
            }
            ok = n > 0; // an empty write stores nothing
        } catch (ErrnoException e) {
            ok = false;
        }
        if (!m.kernel().log().scan(marker).clean()) {
            throw new AssertionError("a store of " + bytes.length + " bytes to " + path + " splatted:\n"
                    + m.kernel().log().dmesgSince(marker));
        }
        if (ok) {
            accepted++;
            // back to the baseline: reload the module, set the devices up again
            if (m.zram().driver().isPresent()) {
                for (String dev : List.of("zram0", "zram1")) {
                    if (m.exists("/sys/block/" + dev)) {
                        m.writeString("/sys/block/" + dev + "/reset", "1");
                    }
                }
                m.rmmod("zram");
            }
            setUp();
            current = fingerprint();
            if (!normalized(current).equals(baseline)) {
                throw new AssertionError("the baseline did not come back:\n" + diff(baseline, normalized(current)));
            }
            return;
        }
        refused++;
        String after = fingerprint();
        if (!after.equals(current)) {
            throw new AssertionError("a refused store to " + path + " changed state:\n" + diff(current, after));
        }
    }

    /** Without the disk sequence numbers (a reload renumbers disks) and the times of the block stat. */
    private static String normalized(String fingerprint) {
        StringBuilder sb = new StringBuilder();
        for (String line : fingerprint.lines().toList()) {
            if (line.contains("/diskseq=")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (line.substring(0, Math.max(0, eq)).endsWith("/stat")) {
                String[] f = line.substring(eq + 1).replace("|", "").trim().split("\\s+");
                for (int i : new int[] {3, 7, 9, 10, 14, 16}) {
                    if (i < f.length) {
                        f[i] = "t";
                    }
                }
                line = line.substring(0, eq + 1) + String.join(" ", f);
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static String diff(String a, String b) {
        List<String> la = a.lines().toList();
        List<String> lb = b.lines().toList();
        StringBuilder sb = new StringBuilder();
        for (String l : la) {
            if (!lb.contains(l)) {
                sb.append("- ").append(l).append('\n');
            }
        }
        for (String l : lb) {
            if (!la.contains(l)) {
                sb.append("+ ").append(l).append('\n');
            }
        }
        return sb.toString();
    }
}
