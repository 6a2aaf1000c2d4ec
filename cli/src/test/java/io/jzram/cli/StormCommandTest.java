// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static io.jzram.cli.JzramRun.jzram;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jzram storm}: short runs of each mode, the verdict, the JSON summary, bad usage. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StormCommandTest {

    @Test
    void shortStormWithTheDefaultFixesIsCleanAndWritesJson(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("storm.json");
        JzramRun r = jzram("storm", "--duration", "3s", "--seed", "7", "--devices", "2", "--unload-interval", "500ms",
                "--json", json.toString());
        System.out.print(r.out());
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("jzram storm: fixes=all", "seed 7", "ops/s", "online ", "unloads ", "errors:",
                "data lost          0", "deadlocks          0", "leaked             0 B", "races", "rmmod", "verdict: OK");
        if (!r.out().contains("splats             none")) {
            // fixes=all: lockdep's report of hot_add/hot_remove vs module exit, which the owner-reference fix keeps
            // from closing: printed with its reason, not a violation
            assertThat(r.out()).contains("splats             CIRCULAR_LOCKING 1", "cannot deadlock, not a violation");
        }
        String j = Files.readString(json);
        assertThat(j).contains("\"ok\": true", "\"fixes\": \"all\"", "\"seed\": 7", "\"dataLost\": 0", "\"outcomes\"",
                "\"errorsByErrno\"", "\"hotplug\"");
        Map<String, Object> report = JsonKeys.object(j);
        assertThat(report.keySet()).containsExactly("config", "ok", "violations", "elapsedSeconds", "dataLost", "dataLossSamples",
                "splats", "hungTaskReports", "deadlocks", "deadlocksWithLockCycle", "tasksInterrupted", "leaked", "unloadCycles", "reloads", "reloadFailures",
                "outcomes", "outcomesWhileRmmodRan", "errorsByErrno", "bugsReproduced", "lockdepCycle", "io", "hotplug", "instances",
                "internalErrors");
        assertThat(JsonKeys.object(report.get("config")).keySet()).containsExactly("cpus", "devices", "durationSeconds", "fixes",
                "seed", "hotplugRate", "instances", "hungTaskTimeoutSeconds", "readersPerDevice", "sysfsWriters",
                "unloadIntervalSeconds", "disksize", "hotAdd", "unload", "lockdep", "kconfig");
        assertThat(JsonKeys.object(report.get("config"))).containsEntry("disksize", 4194304).containsEntry("lockdep", true)
                .containsEntry("kconfig", "full");
        assertThat(JsonKeys.object(report.get("io")).keySet()).contains("writes", "bytesWritten", "writeMBps", "pagesVerified");
        assertThat(JsonKeys.object(report.get("leaked")).keySet()).containsExactly("bytes", "trackedBytes", "nativeBytes",
                "devicesLeftRegistered", "removedDevicesHoldingMemory", "finalUnload");
        JsonKeys.assertCamelCase(report, "outcomes", "outcomesWhileRmmodRan", "errorsByErrno", "splats", "failures");
    }

    @Test
    void theMultiInstancePartRunsAlongside() {
        JzramRun r = jzram("storm", "--cpus", "64", "--instances", "8", "--duration", "3s", "--seed", "2", "--quiet");
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("64 CPUs", "8 instances", "instances          added", "violations 0", "verdict: OK")
                .doesNotContain("ops/s");
    }

    @Test
    void hotplugOnlyIsTheMultiInstanceStormAlone() {
        JzramRun r = jzram("storm", "--hotplug-only", "--cpus", "8", "--instances", "3", "--duration", "1s", "--seed", "1");
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("--hotplug-only", "toggles", "violations         0", "verdict: OK");
    }

    @Test
    void throughputReportsBothFiguresFromOneRun(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("tp.json");
        JzramRun r = jzram("storm", "--throughput", "--duration", "2s", "--devices", "2", "--seed", "1", "--json", json.toString());
        assertThat(r.status()).as(r.out() + r.err()).isIn(0, 1);
        assertThat(r.out()).contains("[phase  1] quiet", "[phase  2] hotplug storm", "MB/s without a hotplug storm",
                "during a storm of 100 toggles/s");
        Map<String, Object> tp = JsonKeys.object(Files.readString(json));
        assertThat(tp.keySet()).containsExactly("mode", "cpus", "writers", "fixes", "rate", "writeMBpsWithoutStorm",
                "writeMBpsWithStorm", "ratio", "togglesPerSecond", "phases");
        assertThat(tp).containsEntry("mode", "throughput").containsEntry("writers", 2);
        assertThat(JsonKeys.object(JsonKeys.list(tp.get("phases")).get(0)).keySet()).containsExactly("storm", "seconds", "bytes",
                "toggles");
        JsonKeys.assertCamelCase(tp);
    }

    @Test
    void badUsage() {
        JzramRun r = jzram("storm", "--fixes", "bogus");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("not a fix set");
        JzramRun c = jzram("storm", "--cpus", "1", "--duration", "1s");
        assertThat(c.status()).isEqualTo(2);
        assertThat(c.err()).contains("--cpus");
        JzramRun old = jzram("storm", "--disk-size", "4M");
        assertThat(old.status()).isEqualTo(2);
        assertThat(old.err()).startsWith("jzram storm: Unknown options: '--disk-size', '4M'");
    }
}
