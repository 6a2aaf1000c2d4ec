// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A writer of the Prometheus text exposition format, version 0.0.4: per metric family one
 * {@code # HELP} line (backslash and newline escaped), one {@code # TYPE} line, then its samples,
 * all together; label values with backslash, double quote and newline escaped; names checked
 * against the format's grammar; a family may not be opened twice.
 */
public final class PrometheusText {

    /** The Content-Type to serve it with. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final StringBuilder out = new StringBuilder();
    private final Set<String> families = new LinkedHashSet<>();
    private String current;

    /** Starts a family: type is counter, gauge or untyped. */
    public PrometheusText family(String name, String type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name " + name);
        }
        if (!families.add(name)) {
            throw new IllegalStateException("metric family " + name + " written twice");
        }
        if (type.equals("counter") != name.endsWith("_total")) {
            throw new IllegalArgumentException(name + ": a counter's name ends in _total, no other's does");
        }
        current = name;
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample of the current family; labels as name, value, name, value, ... */
    public PrometheusText sample(double value, String... labels) {
        if (current == null) {
            throw new IllegalStateException("no family");
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in pairs");
        }
        out.append(current);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (!LABEL_NAME.matcher(labels[i]).matches() || labels[i].startsWith("__")) {
                    throw new IllegalArgumentException("bad label name " + labels[i]);
                }
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
        return this;
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e18) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
