// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON writer of jzram's {@code --json} outputs (storm's report, {@code storm --throughput},
 * {@code bench}; schemas in docs/json.md): jackson-jr over maps (insertion order kept), lists,
 * strings, numbers, booleans and null, keys in camelCase. Fractions are rounded to three decimals
 * and non-finite numbers written as null, since JSON has no NaN. Two layouts: {@link #write}
 * indents by two spaces (a report in a file), {@link #line} puts an object on one line (one result
 * per line, JSON Lines) — both with {@code "key": value} and {@code [a, b]} spacing, which the
 * benchmark scripts grep for.
 */
public final class Json {

    private static final Separators SEPARATORS = Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEntrySpacing(Separators.Spacing.AFTER)
            .withArrayValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");

    /** null-valued keys are written: a schema's keys are there in every output. */
    private static final JSON BASE = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    private static final JSON INDENTED = BASE.with(new DefaultPrettyPrinter(SEPARATORS)
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private static final JSON ONE_LINE = BASE.with(new DefaultPrettyPrinter(SEPARATORS)
            .withObjectIndenter(new DefaultPrettyPrinter.NopIndenter())
            .withArrayIndenter(new DefaultPrettyPrinter.NopIndenter()));

    private Json() {
    }

    /** The value, indented, with a final newline. */
    public static String write(Object value) {
        return write(INDENTED, value) + "\n";
    }

    /** The value on one line, without a newline. */
    public static String line(Object value) {
        return write(ONE_LINE, value);
    }

    /** Parses a JSON text (objects as maps, arrays as lists): for readers of the outputs, e.g. tests. */
    public static Object parse(String text) {
        try {
            return JSON.std.anyFrom(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static String write(JSON json, Object value) {
        try {
            return json.asString(normalise(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rounds fractions to three decimals, NaN and infinities to null; copies maps and lists. */
    private static Object normalise(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d).setScale(3, RoundingMode.HALF_EVEN) : null;
        }
        if (v instanceof double[] a) {
            List<Object> out = new ArrayList<>(a.length);
            for (double d : a) {
                out.add(normalise(d));
            }
            return out;
        }
        if (v instanceof long[] a) {
            List<Object> out = new ArrayList<>(a.length);
            for (long l : a) {
                out.add(l);
            }
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalise(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(normalise(x)));
            return out;
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        return v;
    }
}
