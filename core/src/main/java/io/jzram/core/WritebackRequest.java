// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One store to {@code /sys/block/zramN/writeback} (6.16+ syntax), as the typed sequence of its
 * arguments in the order given. The kernel walks the arguments: {@code page_index=N} and
 * {@code page_indexes=LO-HI} each select the slots of their range (with the mode chosen so far:
 * none, i.e. every slot that can be written back) and go on; {@code type=MODE} (or a bare mode
 * word) selects the slots of that mode in the current range (the whole device unless an index came
 * before) and ends the walk. Then the selected slots are written back, biggest objects first.
 *
 * <p>Ranges are checked against the device when the request runs: an index at or past the last
 * page is ERANGE (so is LO &gt; HI). The sysfs layer turns text into a request (unknown mode words:
 * EINVAL; numbers kstrtoul parses), the device does the rest.
 */
public final class WritebackRequest {
    enum Kind { TYPE, PAGE_INDEX, PAGE_INDEXES }

    record Arg(Kind kind, WritebackType type, long lo, long hi) {
    }

    private final List<Arg> args;

    private WritebackRequest(List<Arg> args) {
        this.args = List.copyOf(args);
    }

    /**
     * {@code type=MODE} (or the bare mode word) over the whole device.
     *
     * @param type the slots to write back
     * @return the request
     */
    public static WritebackRequest of(WritebackType type) {
        return builder().type(type).build();
    }

    /**
     * {@code page_index=N}: that one slot, whatever its state (if it can be written back).
     *
     * @param index the slot (unsigned)
     * @return the request
     */
    public static WritebackRequest pageIndex(long index) {
        return builder().pageIndex(index).build();
    }

    /**
     * {@code page_indexes=LO-HI}: slots LO..HI inclusive.
     *
     * @param lo the first slot (unsigned)
     * @param hi the last slot (unsigned, inclusive)
     * @return the request
     */
    public static WritebackRequest pageIndexes(long lo, long hi) {
        return builder().pageIndexes(lo, hi).build();
    }

    /**
     * A request of several arguments, in store order (6.16+).
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    List<Arg> args() {
        return args;
    }

    /**
     * The request as it would be written to the {@code writeback} file.
     *
     * @return e.g. {@code type=idle page_indexes=0-9}
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Arg a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            switch (a.kind) {
                case TYPE -> sb.append("type=").append(a.type.word());
                case PAGE_INDEX -> sb.append("page_index=").append(Long.toUnsignedString(a.lo));
                default -> sb.append("page_indexes=").append(Long.toUnsignedString(a.lo)).append('-').append(Long.toUnsignedString(a.hi));
            }
        }
        return sb.toString();
    }

    /** Arguments in store order. */
    public static final class Builder {
        private final List<Arg> args = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds {@code type=MODE}.
         *
         * @param type the slots to select
         * @return this builder
         */
        public Builder type(WritebackType type) {
            args.add(new Arg(Kind.TYPE, Objects.requireNonNull(type), 0, 0));
            return this;
        }

        /**
         * Adds {@code page_index=N}.
         *
         * @param index the slot, as kstrtoul gave it (unsigned)
         * @return this builder
         */
        public Builder pageIndex(long index) {
            args.add(new Arg(Kind.PAGE_INDEX, null, index, index));
            return this;
        }

        /**
         * Adds {@code page_indexes=LO-HI}.
         *
         * @param lo the first slot (unsigned)
         * @param hi the last slot (unsigned, inclusive)
         * @return this builder
         */
        public Builder pageIndexes(long lo, long hi) {
            args.add(new Arg(Kind.PAGE_INDEXES, null, lo, hi));
            return this;
        }

        /**
         * The request.
         *
         * @return the arguments so far, in order
         */
        public WritebackRequest build() {
            return new WritebackRequest(args);
        }
    }
}
