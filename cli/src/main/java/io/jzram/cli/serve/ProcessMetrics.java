// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.core.ZramMemory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The serving process's own metrics, under the names Prometheus' client libraries use
 * ({@code process_*}), plus the off-heap memory the emulated devices hold: resident memory from
 * /proc/self/status (VmRSS; left out where there is none), CPU time and start time from the JVM.
 */
final class ProcessMetrics {

    private ProcessMetrics() {
    }

    static void write(PrometheusText p) {
        long rss = residentBytes();
        if (rss >= 0) {
            p.family("process_resident_memory_bytes", "gauge", "resident memory of the process (VmRSS)").sample(rss);
        }
        p.family("jzram_offheap_memory_bytes", "gauge", "off-heap memory the process holds through the devices' allocator "
                + "(pools and compression buffers of every device)").sample(ZramMemory.processNativeBytes());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            p.family("process_cpu_seconds_total", "counter", "user and system CPU time of the process")
                    .sample(os.getProcessCpuTime() / 1e9);
        }
        p.family("process_start_time_seconds", "gauge", "start time of the process since the Unix epoch")
                .sample(ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3);
    }

    /** VmRSS of /proc/self/status in bytes, or -1. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] w = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(w[0]) * 1024; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
