// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.storm.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a {@code --json} output back with the project's JSON library and checks its key style (camelCase). */
final class JsonKeys {

    private JsonKeys() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object jsonOrParsed) {
        Object o = jsonOrParsed instanceof String s ? Json.parse(s) : jsonOrParsed;
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object parsed) {
        assertThat(parsed).isInstanceOf(List.class);
        return (List<Object>) parsed;
    }

    /** Every key of every object is camelCase, except inside the named maps, whose keys are data (errno or op names). */
    static void assertCamelCase(Object parsed, String... dataMaps) {
        Set<String> data = Set.of(dataMaps);
        if (parsed instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                assertThat(String.valueOf(k)).as("key style").matches("[a-z][a-zA-Z0-9]*");
                if (!data.contains(String.valueOf(k))) {
                    assertCamelCase(v, dataMaps);
                }
            });
        } else if (parsed instanceof List<?> l) {
            l.forEach(v -> assertCamelCase(v, dataMaps));
        }
    }
}
