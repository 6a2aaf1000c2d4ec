// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.locking;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents the lock that guards a field (or that a method's caller must hold), in the kernel's
 * words: {@code "init_lock"}, {@code "init_lock (write)"}, {@code "open_mutex"},
 * {@code "class->lock"}. The rule is checked at run time, the kernel's way: the code that touches
 * the state calls {@link Lockdep#assertHeld lockdep_assert_held()} ({@link Mutex#assertHeld},
 * {@link RwSemaphore#assertHeld}, {@link RwSemaphore#assertWriteHeld}) or
 * {@link RawSpinLock#assertLocked assert_spin_locked()},
 * and tests show that those fire when the lock is missing.
 *
 * <p>Why not Error Prone's {@code @GuardedBy} checker: it proves a field is accessed inside
 * {@code synchronized} blocks or between {@code lock()}/{@code unlock()} of a
 * {@code java.util.concurrent.locks.Lock}. The emulated kernel's locks are none of those
 * ({@link Mutex} and {@link RwSemaphore} have their own AQS, slot locks are bits in a word,
 * {@link RawSpinLock} is a CAS on an int), many guarded fields are written under a lock and read
 * without it on purpose (volatile, as the kernel reads them with READ_ONCE), and the lock is often
 * taken in one class and the state touched in another. So this annotation is documentation (kept in
 * the class files for tools that want it); the assertions are the check.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface GuardedBy {
    /** The lock, as the kernel names it, with "(write)" where readers of the lock do not count. */
    String value();
}
