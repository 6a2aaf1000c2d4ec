// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

/**
 * A registry's answer that an export cannot be used by a new connection: there is no export of
 * that name, or the device behind it refuses (reset, removed, not initialised). The message is
 * sent to the client verbatim (NBD_REP_ERR_UNKNOWN's text), so it should say what happened,
 * e.g. "export zram1 is not available: the device was removed".
 */
public class ExportUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExportUnavailableException(String message) {
        super(message, null, false, false);
    }
}
