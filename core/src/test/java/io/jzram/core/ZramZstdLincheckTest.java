// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/** {@link AbstractZramLincheckTest} on a device that compresses with zstd. */
public class ZramZstdLincheckTest extends AbstractZramLincheckTest {
    public ZramZstdLincheckTest() {
        super("zstd");
    }
}
