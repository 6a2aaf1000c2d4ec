// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/** {@link AbstractZsPoolLincheckTest}, huge objects (one per zspage, no header), which compaction never moves. */
public class ZsPoolHugeObjectsLincheckTest extends AbstractZsPoolLincheckTest {
    public ZsPoolHugeObjectsLincheckTest() {
        super(4096, 3700);
    }
}
