// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import java.time.Duration;

/**
 * How a {@link FuseMount} mounts and serves: the mount(2) flags and FUSE mount options, the
 * negotiated transfer sizes and the number of worker threads. Immutable; built with
 * {@link #builder()}.
 */
public final class FuseOptions {
    /** mount(2) flags. */
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;

    private final String source;
    private final String subtype;
    private final int threads;
    private final int maxWrite;
    private final boolean defaultPermissions;
    private final boolean allowOther;
    private final boolean asyncDirectIo;
    private final long mountFlags;
    private final Duration initTimeout;
    private final Duration closeTimeout;
    private final String device;

    private FuseOptions(Builder b) {
        this.source = b.source;
        this.subtype = b.subtype;
        this.threads = b.threads;
        this.maxWrite = b.maxWrite;
        this.defaultPermissions = b.defaultPermissions;
        this.allowOther = b.allowOther;
        this.asyncDirectIo = b.asyncDirectIo;
        this.mountFlags = b.mountFlags;
        this.initTimeout = b.initTimeout;
        this.closeTimeout = b.closeTimeout;
        this.device = b.device;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static FuseOptions defaults() {
        return builder().build();
    }

    /** The mount's source as mountinfo shows it (default "jzram"). */
    public String source() {
        return source;
    }

    /** The subtype: the mount shows as "fuse.&lt;subtype&gt;" (default "jzram"). */
    public String subtype() {
        return subtype;
    }

    /** Worker threads reading requests (default 4). */
    public int threads() {
        return threads;
    }

    /** The largest WRITE (and READ) payload, bytes; a multiple of 4096 (default 1 MiB). */
    public int maxWrite() {
        return maxWrite;
    }

    /** Pages per request (max_pages) that {@link #maxWrite()} implies. */
    public int maxPages() {
        return maxWrite / 4096;
    }

    /** default_permissions: the kernel checks mode bits itself (default true). */
    public boolean defaultPermissions() {
        return defaultPermissions;
    }

    /** allow_other: users other than the mounter may use the mount (default true). */
    public boolean allowOther() {
        return allowOther;
    }

    /**
     * FUSE_ASYNC_DIO: the kernel may split one asynchronous direct I/O (the loop driver's) into
     * several requests in flight at once (default false).
     */
    public boolean asyncDirectIo() {
        return asyncDirectIo;
    }

    /** mount(2) flags (default MS_NOSUID | MS_NODEV). */
    public long mountFlags() {
        return mountFlags;
    }

    /** How long {@link FuseMount#mount} waits for the kernel's INIT (default 10 s). */
    public Duration initTimeout() {
        return initTimeout;
    }

    /** How long {@link FuseMount#close()} waits for the workers to end (default 10 s). */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** The FUSE device (default /dev/fuse). */
    public String device() {
        return device;
    }

    /** Builds {@link FuseOptions}. */
    public static final class Builder {
        private String source = "jzram";
        private String subtype = "jzram";
        private int threads = 4;
        private int maxWrite = 1 << 20;
        private boolean defaultPermissions = true;
        private boolean allowOther = true;
        private boolean asyncDirectIo;
        private long mountFlags = MS_NOSUID | MS_NODEV;
        private Duration initTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private String device = "/dev/fuse";

        private Builder() {
        }

        public Builder source(String s) {
            this.source = checkOption(s);
            return this;
        }

        public Builder subtype(String s) {
            this.subtype = checkOption(s);
            return this;
        }

        public Builder threads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("threads: 1..64, not " + n);
            }
            this.threads = n;
            return this;
        }

        public Builder maxWrite(int bytes) {
            if (bytes < 4096 || bytes > (1 << 20) || bytes % 4096 != 0) {
                throw new IllegalArgumentException("maxWrite: a multiple of 4096 from 4 KiB to 1 MiB, not " + bytes);
            }
            this.maxWrite = bytes;
            return this;
        }

        public Builder defaultPermissions(boolean on) {
            this.defaultPermissions = on;
            return this;
        }

        public Builder allowOther(boolean on) {
            this.allowOther = on;
            return this;
        }

        public Builder asyncDirectIo(boolean on) {
            this.asyncDirectIo = on;
            return this;
        }

        public Builder mountFlags(long flags) {
            this.mountFlags = flags;
            return this;
        }

        public Builder initTimeout(Duration d) {
            this.initTimeout = d;
            return this;
        }

        public Builder closeTimeout(Duration d) {
            this.closeTimeout = d;
            return this;
        }

        public Builder device(String path) {
            this.device = path;
            return this;
        }

        public FuseOptions build() {
            return new FuseOptions(this);
        }

        private static String checkOption(String s) {
            if (s.isEmpty() || s.chars().anyMatch(c -> c == ',' || c == '=' || c <= ' ' || c == '\\')) {
                throw new IllegalArgumentException("not usable in mount options: '" + s + "'");
            }
            return s;
        }
    }
}
