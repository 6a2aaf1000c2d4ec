// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.zsmalloc;

/** {@link AbstractZsPoolLincheckTest}, two classes: a store moves a slot from one class to the other while compaction works. */
public class ZsPoolMixedClassesLincheckTest extends AbstractZsPoolLincheckTest {
    public ZsPoolMixedClassesLincheckTest() {
        super(200, 1200, 200);
    }
}
