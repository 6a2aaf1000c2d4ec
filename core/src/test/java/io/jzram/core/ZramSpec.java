// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * The sequential specification of {@link AbstractZramLincheckTest}: an initialised device of
 * four pages each holding a value's pattern (0: zeros, as after a discard or a reset); an
 * uninitialised one refuses writes and discards with ENOSPC (beyond a capacity of 0) and reads
 * with EIO; reset is always allowed, disksize answers EBUSY on an initialised device.
 */
public final class ZramSpec {
    private final int[] pages = new int[AbstractZramLincheckTest.PAGES];
    private boolean initialised = true;

    public String write(int page, int value) {
        if (!initialised) {
            return "ENOSPC";
        }
        pages[page] = value;
        return "ok";
    }

    public String read(int page) {
        return initialised ? Integer.toString(pages[page]) : "EIO";
    }

    public String discard(int page) {
        if (!initialised) {
            return "ENOSPC";
        }
        pages[page] = 0;
        return "ok";
    }

    public String reset() {
        initialised = false;
        java.util.Arrays.fill(pages, 0);
        return "ok";
    }

    public String disksize() {
        if (initialised) {
            return "EBUSY";
        }
        initialised = true;
        return "ok";
    }
}
