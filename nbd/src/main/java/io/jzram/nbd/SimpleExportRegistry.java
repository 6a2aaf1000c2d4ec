// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A thread-safe, mutable {@link ExportRegistry}: exports added and removed by name at any time,
 * listed in name order, and an optional default export for the empty name. Devices that are not
 * initialised (capacity 0) stay listed but the server refuses connections to them.
 */
public final class SimpleExportRegistry implements ExportRegistry {
    private final Map<String, Export> exports = new ConcurrentSkipListMap<>();
    private volatile String defaultName;

    public SimpleExportRegistry() {
    }

    /** A registry holding the given exports. */
    public static SimpleExportRegistry of(Export... exports) {
        SimpleExportRegistry r = new SimpleExportRegistry();
        for (Export e : exports) {
            r.add(e);
        }
        return r;
    }

    /** Adds or replaces the export of that name. */
    public SimpleExportRegistry add(Export export) {
        exports.put(export.name(), export);
        return this;
    }

    /** Removes an export; connections already using it are not affected. */
    public boolean remove(String name) {
        return exports.remove(name) != null;
    }

    /** Which export the empty name means; null for none. */
    public SimpleExportRegistry defaultExport(String name) {
        this.defaultName = name;
        return this;
    }

    @Override
    public Export lookup(String name) throws ExportUnavailableException {
        String wanted = name;
        if (wanted.isEmpty()) {
            wanted = defaultName;
            if (wanted == null) {
                throw new ExportUnavailableException("no default export; exports are: " + String.join(", ", exports.keySet()));
            }
        }
        Export e = exports.get(wanted);
        if (e == null) {
            throw new ExportUnavailableException("no export named '" + wanted + "'");
        }
        return e;
    }

    @Override
    public List<Export> list() {
        return new ArrayList<>(exports.values());
    }
}
