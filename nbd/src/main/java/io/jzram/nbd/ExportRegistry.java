// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.util.List;

/**
 * Where the server finds its exports. It is asked on every NBD_OPT_INFO, NBD_OPT_GO,
 * NBD_OPT_EXPORT_NAME, NBD_OPT_LIST and meta-context option, never cached between them, so an
 * implementation that follows live devices (zramN created with hot_add, initialised with disksize,
 * reset, hot_remove'd) makes exports appear and disappear for new connections. Connections
 * already in transmission keep their device open until they end.
 *
 * <p>Implementations must be thread-safe: connections negotiate in parallel.
 */
public interface ExportRegistry {

    /**
     * The export a client named; the empty name is the default export (if the registry has one).
     *
     * @throws ExportUnavailableException with a message for the client, when there is no such
     *     export or it refuses new connections
     */
    Export lookup(String name) throws ExportUnavailableException;

    /** The exports NBD_OPT_LIST reports, in the order to report them. */
    List<Export> list();
}
