// SPDX-License-Identifier: GPL-2.0-only
/**
 * An NBD server (the Network Block Device protocol, fixed newstyle negotiation, as specified in
 * NetworkBlockDevice/nbd {@code doc/proto.md}) that exports {@link io.jzram.kernel.block.BlockDevice}s to
 * unmodified clients such as qemu, nbdcopy, nbdinfo and fio.
 *
 * <p>Entry points: {@link io.jzram.nbd.NbdServer} (listeners, connections, shutdown), configured
 * through {@link io.jzram.nbd.NbdServer.Builder}; {@link io.jzram.nbd.ExportRegistry}, through
 * which the server finds an {@link io.jzram.nbd.Export} by name each time a client asks for one,
 * so devices that are created, reset or removed later appear and disappear without a restart;
 * {@link io.jzram.nbd.SimpleExportRegistry} as a ready-made registry.
 *
 * <p>Structure of a connection: one reader thread negotiates the handshake and then parses
 * requests; a bounded worker pool shared by the server runs the device I/O; one writer thread per
 * connection serialises the replies, in completion order (so out of request order). Memory per
 * connection is bounded by a budget of in-flight requests and payload bytes: the reader stops
 * reading when the budget is spent, which pushes back on the client through TCP/socket flow control.
 */
package io.jzram.nbd;
