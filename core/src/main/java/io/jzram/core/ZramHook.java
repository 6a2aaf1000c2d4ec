// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

/**
 * Points in the lifecycle paths where a test can run code (block on a completion, start a racing
 * store) to make a race deterministic: the emulator's equivalent of the fault-injection and
 * tracepoint hooks a kernel test would use. A hook runs on the thread at that point, with the
 * locks that the point documents held; it must not call back into the same device's paths that
 * take those locks.
 */
public enum ZramHook {
    /** disksize store: init_lock held for writing, the EBUSY check passed, nothing allocated yet. */
    DISKSIZE_LOCKED,
    /** disksize store: meta and compressors allocated, not yet published; init_lock held. */
    DISKSIZE_ALLOCATED,
    /** writeback or recompress: slots selected, pp_in_progress set, init_lock held for reading. */
    POST_PROCESSING,
    /** reset ({@link ResetVariant#UPSTREAM}): init_lock held for writing, nothing freed yet. */
    RESET_LOCKED,
    /**
     * reset ({@link ResetVariant#PRE_5_16}): capacity set to 0 and init_lock dropped; the meta is
     * about to be freed without the lock (the window of the race).
     */
    RESET_UNLOCKED
}
