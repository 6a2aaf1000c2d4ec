// SPDX-License-Identifier: GPL-2.0-only
/**
 * {@code jzram run}: real, unmodified programs (bash, mkfs.ext4, mount, mkswap, swapon, zramctl,
 * kmod's and util-linux's tools) against an emulated machine, where they expect the kernel.
 *
 * <h2>Processes and namespaces</h2>
 * <ul>
 *   <li>The <b>outer</b> process ({@link io.jzram.run.JzramRun}, in the host's mount namespace)
 *       checks root, /dev/fuse, loop devices and unshare ({@link io.jzram.run.Prerequisites}: exit 2
 *       with one line), makes an empty scratch directory and a {@link io.jzram.run.Ledger} under
 *       /tmp, starts the inner process, and when that ends, however it ends, undoes what could
 *       outlive it: processes left in the namespace, swap on the run's loop devices (swap is global),
 *       attached loop devices, the scratch directory.
 *   <li>The <b>inner</b> process ({@link io.jzram.run.InnerMain}, {@link io.jzram.run.Inside}) is a
 *       JVM like the outer one re-run under {@code unshare --mount --propagation private}: nothing
 *       it mounts is seen by the host, and the namespace with every mount in it goes with its last
 *       process. It boots the machine, builds the view, runs the command as its child, tears the
 *       view down, unloads the machine and judges it with the storm's verdict
 *       ({@link io.jzram.storm.MachineVerdict}).
 *   <li>The <b>command</b> and everything it starts live in that namespace.
 * </ul>
 *
 * <h2>Mounts (in the namespace)</h2>
 * <ul>
 *   <li>/sys: the FUSE {@link io.jzram.run.SysfsFileSystem}, the machine's /sys through its file API
 *       (plus /sys/module, /sys/dev/block links, and the host's /sys/fs bound back);
 *   <li>/dev: a tmpfs with the host's nodes copied ({@link io.jzram.run.DevTree}), its pts, shm,
 *       mqueue and hugepages bound back, the host's zram devices left out, and /dev/zramN block
 *       nodes with the major:minor of loop devices ({@link io.jzram.run.ZramDevices});
 *   <li>SCRATCH (a tmpfs on the outer's /tmp/jzram-run-N): block/ (the FUSE
 *       {@link io.jzram.fuse.BlockFileSystem} whose files, served by
 *       {@link io.jzram.run.MachineBlockBackend}, back the loop devices), ctl/ (the FUSE
 *       {@link io.jzram.run.ControlFileSystem}: the wrappers' control file and /proc/modules), bin/
 *       (the wrapper scripts, first on the command's PATH and bound over the real modprobe, rmmod,
 *       lsmod, insmod, kmod and dmesg where the host has them: {@link io.jzram.run.KernelCommands}).
 * </ul>
 * The host's /dev, /sys and loop devices stay reachable to the inner process only through
 * descriptors it opened before covering them ({@link io.jzram.run.HostView}).
 *
 * <h2>Opens</h2>
 * The loop device holds its backing file open for its whole life, which is not an open of the
 * emulated disk. Right before a store to reset, disksize or hot_remove, and before rmmod or
 * modprobe -r, {@link io.jzram.run.UsageProbe} asks whether the real device is in use (swap, a
 * mount, a descriptor of a process in the namespace, an exclusive open that fails); if it is, the
 * emulated disk is opened ({@link io.jzram.sysfs.Machine#open} of /dev/zramN: the module and the
 * device held) around the operation, so that the emulated driver answers EBUSY or "in use" with its
 * own precedence of checks. The probe's limits are on {@link io.jzram.run.UsageProbe}.
 *
 * <p>No class here keeps static mutable state; each has an explicit lifecycle, closed in reverse.
 */
package io.jzram.run;
