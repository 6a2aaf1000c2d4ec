// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * One store to {@code /sys/block/zramN/recompress}: {@code type=idle|huge|huge_idle max_pages=N
 * threshold=BYTES algo=NAME priority=N}, typed. Unset: no type (every slot), no page limit
 * ({@code ULLONG_MAX}), threshold 0 (none), every secondary algorithm in priority order.
 *
 * @param type which slots, or null for all
 * @param maxPages at most this many slots are tried (unsigned; -1 = no limit)
 * @param threshold only objects of at least this many bytes are tried, and a result is kept only
 *     below it (0 = no threshold); must stay under the huge class size
 * @param algo the secondary algorithm to use, by name, or null
 * @param priority the priority to use (0 means 1), or -1 for none given
 */
public record RecompressRequest(RecompressType type, long maxPages, int threshold, String algo, int priority) {

    /**
     * No arguments: every slot, every secondary algorithm.
     *
     * @return the request {@code recompress} gets from an empty store
     */
    public static RecompressRequest all() {
        return new RecompressRequest(null, -1L, 0, null, -1);
    }

    /**
     * {@code type=TYPE} alone.
     *
     * @param type the slots to try
     * @return the request
     */
    public static RecompressRequest of(RecompressType type) {
        return new RecompressRequest(type, -1L, 0, null, -1);
    }

    /**
     * This request with another value for one argument.
     *
     * @param n at most this many slots are tried ({@code max_pages=})
     * @return a new request
     */
    public RecompressRequest withMaxPages(long n) {
        return new RecompressRequest(type, n, threshold, algo, priority);
    }

    /**
     * This request with another value for one argument.
     *
     * @param bytes the size threshold ({@code threshold=})
     * @return a new request
     */
    public RecompressRequest withThreshold(int bytes) {
        return new RecompressRequest(type, maxPages, bytes, algo, priority);
    }

    /**
     * This request with another value for one argument.
     *
     * @param name the secondary algorithm ({@code algo=})
     * @return a new request
     */
    public RecompressRequest withAlgo(String name) {
        return new RecompressRequest(type, maxPages, threshold, name, priority);
    }

    /**
     * This request with another value for one argument.
     *
     * @param prio the priority ({@code priority=})
     * @return a new request
     */
    public RecompressRequest withPriority(int prio) {
        return new RecompressRequest(type, maxPages, threshold, algo, prio);
    }
}
