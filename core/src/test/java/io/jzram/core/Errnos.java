// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts that a call fails with a given errno (ErrnoException or ErrnoIOException). */
final class Errnos {
    private Errnos() {
    }

    static void expect(Errno errno, ThrowingCallable call) {
        assertThatThrownBy(call).satisfies(e -> {
            Errno got = e instanceof ErrnoException ee ? ee.errno() : e instanceof ErrnoIOException ie ? ie.errno() : null;
            if (got != errno) {
                throw new AssertionError("expected " + errno + " but got " + e, e);
            }
        });
    }
}
