// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.benchmarks;

/** One thread's walk over a working set of pages: 0, 1, ..., count-1, 0, ... from a start page. Not thread-safe. */
final class PageCursor {
    private final int count;
    private int next;

    PageCursor(int count, int start) {
        this.count = count;
        this.next = start % count;
    }

    int next() {
        int i = next;
        next = i + 1 == count ? 0 : i + 1;
        return i;
    }
}
