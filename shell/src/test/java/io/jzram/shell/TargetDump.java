// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What a comparison saw, written under target/NAME for a person to diff (the outputs stay out of the test report). */
final class TargetDump {

    private TargetDump() {
    }

    /** Writes each file (name to content) into target/{@code dir}. */
    static Path write(String dir, Map<String, String> files) throws IOException {
        Path d = Path.of("target", dir);
        Files.createDirectories(d);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(d.resolve(f.getKey()), f.getValue());
        }
        return d;
    }
}
