// SPDX-License-Identifier: GPL-2.0-only
/**
 * kernfs (fs/kernfs/): the node tree under sysfs and debugfs here. {@link io.jzram.sysfs.kernfs.KernfsRoot}
 * owns the tree and its rw-semaphore, {@link io.jzram.sysfs.kernfs.KernfsNode} is one directory,
 * file or symlink with its active references, {@link io.jzram.sysfs.kernfs.KernfsOpenFile} is
 * fs/kernfs/file.c's open file with the show (seq_file) and write paths, and
 * {@link io.jzram.sysfs.kernfs.KernfsFailureInjection} is the seed's patch 04/12 (wait points in the
 * write path). The seed's generic fix (patch 09/12: the owner module reference taken with every active
 * reference) is a toggle on the root.
 */
package io.jzram.sysfs.kernfs;
