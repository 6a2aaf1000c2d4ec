// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * {@code --version}: the version the build wrote into {@code io/jzram/cli/version.properties} (a
 * filtered resource: {@code ${project.version}}), so the jar and the classes directory say the same.
 */
public final class Version implements CommandLine.IVersionProvider {

    /** The project's version, e.g. 0.1.0-SNAPSHOT. */
    public static String version() {
        try (InputStream in = Version.class.getResourceAsStream("/io/jzram/cli/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"jzram " + version()};
    }
}
