// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.hotplug.HotplugStorm;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import io.jzram.sysfs.zram.ZramFixes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Device write throughput with and without a CPU hotplug storm, from one run ({@code jzram storm
 * --throughput}): one writer per device writes 4 KiB pages (the storm's page mix: zero, same-filled,
 * compressible and incompressible) as fast as it can through /dev/zramN, while the run alternates
 * phases without and with a {@link HotplugStorm} at the given rate (after a warm-up phase that is not
 * counted, two phases long). Alternating phases share whatever else the machine does, so the ratio of the two
 * means is the cost of the storm: per-CPU streams freed by dead callbacks, writers migrating off
 * CPUs going down, prepare callbacks allocating streams on every CPU coming up.
 */
public final class ThroughputRun {

    /** One measured phase. */
    public record Phase(boolean storm, double seconds, long bytes, long toggles) {
        public double mbps() {
            return bytes / 1e6 / Math.max(1e-9, seconds);
        }
    }

    /** Both figures, their ratio, and every phase. */
    public record Result(int cpus, int writers, String fixes, double rate, double mbpsWithout, double mbpsWith,
            double togglesPerSecond, List<Phase> phases) {
        public double ratio() {
            return mbpsWith / Math.max(1e-9, mbpsWithout);
        }

        public String describe() {
            return String.format(Locale.ROOT, "write throughput (%d writers, %d CPUs, fixes=%s): %.1f MB/s without a hotplug storm, "
                    + "%.1f MB/s during a storm of %.0f toggles/s (achieved %.1f/s): %.1f%% (%d phases of each)",
                    writers, cpus, fixes, mbpsWithout, mbpsWith, rate, togglesPerSecond, 100 * ratio(), phases.size() / 2);
        }

        /** {@code storm --throughput --json}: the figures and every phase (docs/json.md). */
        public String toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("mode", "throughput");
            j.put("cpus", cpus);
            j.put("writers", writers);
            j.put("fixes", fixes);
            j.put("rate", rate);
            j.put("writeMBpsWithoutStorm", mbpsWithout);
            j.put("writeMBpsWithStorm", mbpsWith);
            j.put("ratio", ratio());
            j.put("togglesPerSecond", togglesPerSecond);
            List<Object> ps = new ArrayList<>();
            for (Phase p : phases) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("storm", p.storm());
                m.put("seconds", p.seconds());
                m.put("bytes", p.bytes());
                m.put("toggles", p.toggles());
                ps.add(m);
            }
            j.put("phases", ps);
            return Json.write(j);
        }
    }

    private ThroughputRun() {
    }

    /**
     * Runs it: {@code duration} of alternating phases of {@code phase} each (without first), after
     * one warm-up phase.
     */
    public static Result run(int cpus, int devices, ZramFixes fixes, double rate, Duration duration, Duration phase, long seed,
            Consumer<String> progress) {
        int writers = Math.max(1, devices);
        try (Machine m = Machine.builder().cpus(cpus).zramFixes(fixes).withTestSysfs(false).build()) {
            m.modprobe("zram", "num_devices=" + writers, "fixes=" + fixes.paramValue());
            for (int i = 0; i < writers; i++) {
                m.write("/sys/block/zram" + i + "/disksize", "64M".getBytes(StandardCharsets.ISO_8859_1));
            }
            LongAdder bytes = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int i = 0; i < writers; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    try (MachineFile f = m.open("/dev/zram" + id, OpenFlag.RDWR)) {
                        BlockDevice bdev = f.blockDevice();
                        int pages = (int) (bdev.capacity() / PageData.PAGE);
                        ByteBuffer[] mix = new ByteBuffer[256];
                        for (int k = 0; k < mix.length; k++) {
                            byte[] b = new byte[PageData.PAGE];
                            PageData.fill(b, seed * 31 + id, k, k + 1);
                            mix[k] = ByteBuffer.wrap(b);
                        }
                        long n = 0;
                        while (!stop.get()) {
                            ByteBuffer src = mix[(int) (n & 255)].duplicate();
                            bdev.write((n * 7919 % pages) * PageData.PAGE, src);
                            bytes.add(PageData.PAGE);
                            n++;
                        }
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }, "writer-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            long phaseNanos = phase.toNanos();
            sleepNanos(2 * phaseNanos); // warm-up (JIT, pool growth), not counted
            List<Phase> phases = new ArrayList<>();
            int n = (int) Math.max(2, duration.toNanos() / phaseNanos);
            n += n % 2;
            for (int k = 0; k < n; k++) {
                boolean storm = k % 2 == 1;
                HotplugStorm hs = storm && rate > 0
                        ? new HotplugStorm(m.hotplug(), HotplugStorm.allHotpluggable(m.hotplug()), rate, seed + k) : null;
                long b0 = bytes.sum();
                long t0 = System.nanoTime();
                if (hs != null) {
                    hs.start(phase);
                }
                sleepNanos(phaseNanos);
                long toggles = hs == null ? 0 : hs.stop().toggles();
                long b1 = bytes.sum();
                long t1 = System.nanoTime();
                Phase p = new Phase(storm, (t1 - t0) / 1e9, b1 - b0, toggles);
                phases.add(p);
                progress.accept(String.format(Locale.ROOT, "[phase %2d] %-13s %7.1f MB/s%s", k + 1,
                        storm ? "hotplug storm" : "quiet", p.mbps(), storm ? String.format(Locale.ROOT, "  (%d toggles)", toggles) : ""));
            }
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a writer failed: " + failures.get(0), failures.get(0));
            }
            m.rmmod("zram");
            double without = mean(phases, false);
            double with = mean(phases, true);
            double secs = phases.stream().filter(Phase::storm).mapToDouble(Phase::seconds).sum();
            long toggles = phases.stream().filter(Phase::storm).mapToLong(Phase::toggles).sum();
            return new Result(cpus, writers, fixes.paramValue(), rate, without, with, toggles / Math.max(1e-9, secs), phases);
        }
    }

    private static double mean(List<Phase> phases, boolean storm) {
        long b = 0;
        double s = 0;
        for (Phase p : phases) {
            if (p.storm() == storm) {
                b += p.bytes();
                s += p.seconds();
            }
        }
        return b / 1e6 / Math.max(1e-9, s);
    }

    private static void sleepNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }
}
