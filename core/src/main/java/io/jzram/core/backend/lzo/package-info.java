// SPDX-License-Identifier: GPL-2.0-only
/**
 * The kernel's LZO1X codec in Java (lib/lzo/): the LZO1X-1 compressor of
 * {@code lzo1x_compress.c} in both bitstream versions (plain LZO1X for "lzo", version 1 with zero
 * runs for "lzo-rle"), producing the kernel's bytes, and the checked decompressor of
 * {@code lzo1x_decompress_safe.c}, which reads both. They work on byte arrays at offsets and
 * return lengths or the kernel's {@link io.jzram.core.backend.lzo.LzoStatus} codes;
 * {@link io.jzram.core.backend.LzoBackend} puts them behind the zcomp interface.
 *
 * <p>The stream format (Documentation/staging/lzo.rst), in short: instructions that each copy a
 * match from the output already written, and carry in their low 2 bits how many literals (0..3)
 * follow; longer literal runs have their own instruction. The instruction classes are listed in
 * {@code LzoDefs}. A stream ends with the M4 instruction of distance 16384 and length 3
 * ({@code 0x11 0 0}). lzo-rle streams start with {@code 17, 1}.
 */
package io.jzram.core.backend.lzo;
