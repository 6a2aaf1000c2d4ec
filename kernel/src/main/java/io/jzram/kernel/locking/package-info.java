// SPDX-License-Identifier: GPL-2.0-only
/**
 * Lock primitives: sleeping ones (mutex, rw-semaphore, completion, kernfs-style active references with
 * drain), all instrumented for {@link io.jzram.kernel.locking.Lockdep lockdep} and the
 * {@link io.jzram.kernel.locking.HungTaskWatchdog hung-task watchdog}; and an uninstrumented
 * {@link io.jzram.kernel.locking.RawSpinLock raw spinlock} for short data-path sections.
 */
package io.jzram.kernel.locking;
