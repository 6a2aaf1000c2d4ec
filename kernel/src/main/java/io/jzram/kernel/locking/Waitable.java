// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import java.util.List;

/**
 * Something a task can sleep on (a mutex, an rw-semaphore, a completion, a drain of active
 * references): what the hung-task watchdog prints when the wait lasts too long.
 */
public interface Waitable {

    /** A phrase for the report: "a mutex", "an rw-semaphore", "a completion", ... */
    String waitKind();

    /** The name of the lock or object, e.g. {@code zram_index_mutex}. */
    String waitName();

    /** The tasks that likely hold it (owners, or holders known to lockdep); may be empty. */
    List<Thread> holders();
}
