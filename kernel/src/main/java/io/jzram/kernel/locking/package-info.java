/**
 * Sleeping lock primitives (mutex, rw-semaphore, completion, kernfs-style active references with
 * drain), all instrumented for {@link io.jzram.kernel.locking.Lockdep lockdep} and the
 * {@link io.jzram.kernel.locking.HungTaskWatchdog hung-task watchdog}.
 */
package io.jzram.kernel.locking;
