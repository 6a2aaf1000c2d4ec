// SPDX-License-Identifier: GPL-2.0-only
/**
 * The block-device contract (the part of {@code struct block_device} and the bio interface a
 * driver serves): what the NBD server exports and what zram implements. It lives in the kernel
 * runtime so that a consumer of block devices needs no codecs, native libraries or off-heap pool.
 */
package io.jzram.kernel.block;
