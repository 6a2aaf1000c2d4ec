// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import java.io.IOException;
import java.util.List;

/**
 * Read access to a machine's files, as the client commands need it: the control plane's, or, in
 * tests, a fixed set of captured files. Kernel errors are {@link ControlClient.ErrnoReply}s.
 */
public interface SysfsSource {

    /** The whole content of a file. */
    String read(String path) throws IOException;

    /** The names in a directory, in the directory's order. */
    List<String> list(String dir) throws IOException;
}
