// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/** {@link AbstractZramLincheckTest} on a device that compresses with lz4. */
public class ZramLz4LincheckTest extends AbstractZramLincheckTest {
    public ZramLz4LincheckTest() {
        super("lz4");
    }
}
