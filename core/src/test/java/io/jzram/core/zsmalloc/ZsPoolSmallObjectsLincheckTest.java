// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/** {@link AbstractZsPoolLincheckTest}, objects of one small class (many per zspage), which compaction moves. */
public class ZsPoolSmallObjectsLincheckTest extends AbstractZsPoolLincheckTest {
    public ZsPoolSmallObjectsLincheckTest() {
        super(200);
    }
}
