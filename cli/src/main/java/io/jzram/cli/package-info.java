/** The {@code jzram} command line (picocli): storm, and the jobs later issues add. */
package io.jzram.cli;
