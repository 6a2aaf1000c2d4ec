/** The {@code jzram} command line (picocli): storm, serve and its client commands. */
package io.jzram.cli;
