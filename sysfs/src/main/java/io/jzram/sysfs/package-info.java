// SPDX-License-Identifier: GPL-2.0-only
/**
 * sysfs and the driver model of the emulated machine: attributes and attribute groups
 * ({@link io.jzram.sysfs.Attribute}, {@link io.jzram.sysfs.AttributeGroup}) on kernfs
 * ({@link io.jzram.sysfs.Sysfs}), devices and classes ({@link io.jzram.sysfs.DriverCore}), misc
 * devices ({@link io.jzram.sysfs.MiscRegistry}), disks ({@link io.jzram.sysfs.BlockLayer},
 * {@link io.jzram.sysfs.GenDisk}), /dev ({@link io.jzram.sysfs.Devtmpfs}), debugfs, the CPU files,
 * and {@link io.jzram.sysfs.Machine}, which puts a kernel, its CPUs and all of these together behind a
 * path-based file API.
 */
package io.jzram.sysfs;
