// SPDX-License-Identifier: GPL-2.0-only
/**
 * The client commands of a running {@code jzram serve} ({@link io.jzram.cli.client.ControlClient}
 * over its HTTP control plane): cat, write, ls, dmesg, modprobe, rmmod, lsmod, cpu, and
 * {@code status}, util-linux zramctl's table ({@link io.jzram.cli.client.ZramctlTable}).
 */
package io.jzram.cli.client;
