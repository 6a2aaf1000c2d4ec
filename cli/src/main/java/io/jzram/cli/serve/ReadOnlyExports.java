// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import io.jzram.nbd.Export;
import io.jzram.nbd.ExportRegistry;
import io.jzram.nbd.ExportUnavailableException;
import java.util.List;

/**
 * {@code serve --read-only}: the exports of another registry, each marked read-only, so the NBD
 * server advertises NBD_FLAG_READ_ONLY and refuses NBD_CMD_WRITE, TRIM and WRITE_ZEROES with EPERM.
 * The devices themselves stay writable through the machine's files (the control plane).
 */
final class ReadOnlyExports implements ExportRegistry {

    private final ExportRegistry exports;

    ReadOnlyExports(ExportRegistry exports) {
        this.exports = exports;
    }

    private static Export readOnly(Export e) {
        return e.readOnly() ? e : new Export(e.name(), e.description(), e.device(), true);
    }

    @Override
    public Export lookup(String name) throws ExportUnavailableException {
        return readOnly(exports.lookup(name));
    }

    @Override
    public List<Export> list() {
        return exports.list().stream().map(ReadOnlyExports::readOnly).toList();
    }
}
