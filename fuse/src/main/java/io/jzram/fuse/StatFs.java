// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

/**
 * What {@code statfs(2)} reports (struct fuse_kstatfs). Counts are in {@code blockSize} units.
 */
public record StatFs(long blocks, long blocksFree, long blocksAvailable, long files, long filesFree, int blockSize,
        int nameMax) {
    /** Sizes all zero, 4 KiB blocks, 255-byte names: what sysfs and other pseudo file systems report. */
    public static StatFs pseudo() {
        return new StatFs(0, 0, 0, 0, 0, 4096, 255);
    }
}
