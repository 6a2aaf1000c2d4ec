// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/** The sequential specification of {@link AbstractZsPoolLincheckTest}: each slot holds a value (0: nothing). */
public final class ZsPoolSpec {
    private final int[] values = new int[AbstractZsPoolLincheckTest.SLOTS];

    public ZsPoolSpec() {
        for (int s = 0; s < values.length; s++) {
            values[s] = AbstractZsPoolLincheckTest.initialValue(s);
        }
    }

    public void store(int slot, int value) {
        values[slot] = value;
    }

    public int read(int slot) {
        return values[slot];
    }

    public int mapRead(int slot) {
        return values[slot];
    }

    public boolean free(int slot) {
        boolean had = values[slot] != 0;
        values[slot] = 0;
        return had;
    }

    public void compact() {
    }
}
