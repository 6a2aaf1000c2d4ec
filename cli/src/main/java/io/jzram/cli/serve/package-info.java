// SPDX-License-Identifier: GPL-2.0-only
/**
 * {@code jzram serve}: an emulated machine's zram devices exported over NBD
 * ({@link io.jzram.cli.serve.MachineExportRegistry}) with an HTTP control plane on 127.0.0.1
 * ({@link io.jzram.cli.serve.ControlPlane}: sysfs show/store, dmesg, modules, metrics), run by
 * {@link io.jzram.cli.serve.JzramServer}. Everything goes through the machine's file API, so the
 * answers (and errnos, mapped to HTTP by {@link io.jzram.cli.serve.ErrnoStatus}) are the kernel's.
 */
package io.jzram.cli.serve;
