// SPDX-License-Identifier: GPL-2.0-only
/**
 * {@code jzram storm}: one emulated machine under verified I/O, a CPU-hotplug storm, sysfs writers,
 * hot_add/hot_remove and module unload/reload cycles at once ({@link io.jzram.storm.ZramStorm}),
 * judged by a verdict ({@link io.jzram.storm.StormReport}); and the write-throughput run with and
 * without a hotplug storm ({@link io.jzram.storm.ThroughputRun}).
 */
package io.jzram.storm;
