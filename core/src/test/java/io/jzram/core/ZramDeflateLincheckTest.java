// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/** {@link AbstractZramLincheckTest} on a device that compresses with deflate. */
public class ZramDeflateLincheckTest extends AbstractZramLincheckTest {
    public ZramDeflateLincheckTest() {
        super("deflate");
    }
}
