// SPDX-License-Identifier: GPL-2.0-only
/** The {@code jzram} command line (picocli): storm, sh, serve and its client commands. */
package io.jzram.cli;
