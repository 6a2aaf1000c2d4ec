// SPDX-License-Identifier: GPL-2.0-only
/**
 * Lock primitives: sleeping ones (mutex, rw-semaphore, completion, kernfs-style active references with
 * drain), all instrumented for {@link io.jzram.kernel.locking.Lockdep lockdep} and the
 * {@link io.jzram.kernel.locking.HungTaskWatchdog hung-task watchdog}; and an uninstrumented
 * {@link io.jzram.kernel.locking.RawSpinLock raw spinlock} for short data-path sections.
 *
 * <p>Lock rules are checked the kernel's way: {@link io.jzram.kernel.locking.GuardedBy} names the
 * lock of a field, and the code that touches the field asserts it ({@code lockdep_assert_held()}:
 * {@link io.jzram.kernel.locking.Lockdep#assertHeld}, {@code Mutex.assertHeld()},
 * {@code RwSemaphore.assertHeld()/assertWriteHeld()}; {@code assert_spin_locked()}:
 * {@link io.jzram.kernel.locking.RawSpinLock#assertLocked}).
 */
package io.jzram.kernel.locking;
