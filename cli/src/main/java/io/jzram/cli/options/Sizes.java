// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Sizes as every jzram size option takes them: decimal digits with an optional suffix K, M, G, T, P
 * or E in either case, each a further factor of 1024 — the kernel's memparse() (what a write to
 * /sys/block/zramN/disksize accepts) restricted to what a user means: no base prefixes, no sign, no
 * trailing junk ("1X" is an error, not 1 byte), and no silent wrap-around on overflow.
 */
public final class Sizes {

    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGTPEkmgtpe]?)");
    private static final String UNITS = "KMGTPE";

    private Sizes() {
    }

    /**
     * The size in bytes.
     *
     * @throws IllegalArgumentException with a sentence that says what a size looks like
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (digits with an optional K, M, G, T, P or E "
                    + "suffix, e.g. 4096, 512M, 1G)");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw tooBig(text);
        }
        int shift = m.group(2).isEmpty() ? 0 : 10 * (UNITS.indexOf(Character.toUpperCase(m.group(2).charAt(0))) + 1);
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw tooBig(text);
        }
        return value << shift;
    }

    private static IllegalArgumentException tooBig(String text) {
        return new IllegalArgumentException("'" + text + "' is too big (at most 8E - 1 bytes)");
    }

    /** {@code parse}'s value, or its message as picocli's conversion error (the converters of both kinds of size). */
    static Long convert(ToLongFunction<String> parse, String value) {
        try {
            return parse.applyAsLong(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The picocli converter of every size option. */
    public static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Sizes.convert(Sizes::parse, value);
        }
    }
}
