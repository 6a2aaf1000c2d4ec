// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Algorithm parameters: {@code struct zcomp_params} of drivers/block/zram/zcomp.h, as
 * {@code algorithm_params} sets them ({@code level=N dict=PATH deflate.winbits=N}). Immutable.
 *
 * <p>{@link #NOT_SET} ({@code ZCOMP_PARAM_NOT_SET}, INT_MIN) marks a value the user left out; the
 * backend's {@code setup} replaces it with its default. The dictionary is read when it is given, as
 * zram reads {@code dict=PATH} when the attribute is stored: an unreadable file is EINVAL then.
 */
public final class ZcompParams {
    /** ZCOMP_PARAM_NOT_SET. */
    public static final int NOT_SET = Integer.MIN_VALUE;

    private static final ZcompParams DEFAULTS = new ZcompParams(NOT_SET, null, null, NOT_SET);

    private final int level;
    private final byte[] dictionary;
    private final String dictionaryPath;
    private final int deflateWinbits;

    private ZcompParams(int level, byte[] dictionary, String dictionaryPath, int deflateWinbits) {
        this.level = level;
        this.dictionary = dictionary;
        this.dictionaryPath = dictionaryPath;
        this.deflateWinbits = deflateWinbits;
    }

    /**
     * Nothing set: every backend uses its defaults.
     *
     * @return the empty parameters
     */
    public static ZcompParams defaults() {
        return DEFAULTS;
    }

    /**
     * Parameters as {@code algorithm_params} sets them.
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The compression level.
     *
     * @return the level (lz4: the acceleration), or {@link #NOT_SET}
     */
    public int level() {
        return level;
    }

    /**
     * Whether a level is set.
     *
     * @return {@code level() != NOT_SET}
     */
    public boolean hasLevel() {
        return level != NOT_SET;
    }

    /**
     * Deflate's window bits ({@code deflate.winbits}).
     *
     * @return the window bits, or {@link #NOT_SET}
     */
    public int deflateWinbits() {
        return deflateWinbits;
    }

    /**
     * Whether a non-empty dictionary is set.
     *
     * @return true when there is one
     */
    public boolean hasDictionary() {
        return dictionary != null && dictionary.length > 0;
    }

    /**
     * The dictionary's size.
     *
     * @return bytes; 0 when there is none
     */
    public int dictionarySize() {
        return dictionary == null ? 0 : dictionary.length;
    }

    /**
     * The dictionary.
     *
     * @return a copy, or null
     */
    public byte[] dictionary() {
        return dictionary == null ? null : dictionary.clone();
    }

    /**
     * Where the dictionary was read from.
     *
     * @return the path, or null (none, or given as bytes)
     */
    public String dictionaryPath() {
        return dictionaryPath;
    }

    /** The dictionary without a copy, for backends that hand it to a codec once. */
    byte[] dictionaryBytes() {
        return dictionary;
    }

    /** This with the level replaced (backends fill in defaults with it). */
    ZcompParams withLevel(int newLevel) {
        return new ZcompParams(newLevel, dictionary, dictionaryPath, deflateWinbits);
    }

    ZcompParams withDeflateWinbits(int winbits) {
        return new ZcompParams(level, dictionary, dictionaryPath, winbits);
    }

    /**
     * Equal when the level, window bits and dictionary bytes are (the path does not count).
     *
     * @param o another object
     * @return whether it holds the same parameters
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ZcompParams p && p.level == level && p.deflateWinbits == deflateWinbits
                && Arrays.equals(p.dictionary, dictionary);
    }

    /**
     * A hash consistent with {@link #equals}.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return (level * 31 + deflateWinbits) * 31 + Arrays.hashCode(dictionary);
    }

    /**
     * A short description.
     *
     * @return the level, dictionary and window bits
     */
    @Override
    public String toString() {
        return "ZcompParams[level=" + (level == NOT_SET ? "unset" : level)
                + ", dict=" + (dictionary == null ? "none" : dictionary.length + " bytes" + (dictionaryPath == null ? "" : " from " + dictionaryPath))
                + ", deflate.winbits=" + (deflateWinbits == NOT_SET ? "unset" : deflateWinbits) + "]";
    }

    /** Builds parameters; each setter overrides an earlier one. */
    public static final class Builder {
        private int level = NOT_SET;
        private byte[] dictionary;
        private String dictionaryPath;
        private int deflateWinbits = NOT_SET;

        private Builder() {
        }

        /**
         * {@code level=N}.
         *
         * @param value the level (lz4: the acceleration); the backend clamps it as the kernel does
         * @return this builder
         */
        public Builder level(int value) {
            this.level = value;
            return this;
        }

        /**
         * {@code deflate.winbits}. Checked by the backend's setup.
         *
         * @param value -15..-9 for raw deflate, 9..15 with a zlib header
         * @return this builder
         */
        public Builder deflateWinbits(int value) {
            this.deflateWinbits = value;
            return this;
        }

        /**
         * {@code dict=PATH}: reads the dictionary now.
         *
         * @param path the dictionary file
         * @return this builder
         * @throws ErrnoException EINVAL when the file cannot be read
         */
        public Builder dictionary(Path path) {
            try {
                this.dictionary = Files.readAllBytes(path);
                this.dictionaryPath = path.toString();
            } catch (IOException | SecurityException | OutOfMemoryError e) {
                throw new ErrnoException(Errno.EINVAL, "cannot read dictionary " + path + ": " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * A dictionary given as bytes.
         *
         * @param bytes the dictionary (copied), or null for none
         * @return this builder
         */
        public Builder dictionary(byte[] bytes) {
            this.dictionary = bytes == null ? null : bytes.clone();
            this.dictionaryPath = null;
            return this;
        }

        /**
         * The parameters.
         *
         * @return the parameters set so far
         */
        public ZcompParams build() {
            if (level == NOT_SET && dictionary == null && deflateWinbits == NOT_SET) {
                return DEFAULTS;
            }
            return new ZcompParams(level, dictionary, dictionaryPath, deflateWinbits);
        }
    }
}
