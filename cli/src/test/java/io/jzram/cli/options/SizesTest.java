// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The strict size converter of every size option, and dd's sizes for bench --block-size (checked against GNU dd 9.1). */
class SizesTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "4096, 4096", "4k, 4096", "4K, 4096", "1m, 1048576", "256M, 268435456", "1g, 1073741824",
        "1G, 1073741824", "1T, 1099511627776", "1p, 1125899906842624", "1E, 1152921504606846976",
        "7E, 8070450532247928832", "9223372036854775807, 9223372036854775807"})
    void sizes(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
        assertThat(new Sizes.Converter().convert(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1X", "-1", "+1", "1.5G", "0x10", " 1", "1 ", "1KB", "1KiB", "K", "1GG", "1b"})
    void notSizes(String text) {
        assertThatThrownBy(() -> Sizes.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a size (digits with an optional K, M, G, T, P or E suffix, e.g. 4096, 512M, 1G)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8E", "16E", "9223372036854775808", "99999999999999999999K", "8796093022208M"})
    void overflowIsAnError(String text) {
        assertThatThrownBy(() -> Sizes.parse(text)).hasMessage("'" + text + "' is too big (at most 8E - 1 bytes)");
    }

    @ParameterizedTest
    @CsvSource({"4096, 4096", "4k, 4096", "4K, 4096", "1kB, 1000", "1KB, 1000", "1KiB, 1024", "1M, 1048576", "1MB, 1000000",
        "1MiB, 1048576", "1xM, 1048576", "M, 1048576", "2x512, 1024", "1b, 512", "1w, 2", "1c, 1", "4096B, 4096",
        "1G, 1073741824", "1GB, 1000000000", "1KD, 1000", "2xMB, 2000000", "2xkB, 2000", "4096Bx2, 8192", "0x512, 0"})
    void ddSizes(String text, long bytes) {
        assertThat(DdSizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1Ki", "1m", "1g", "1X", "-1", "x", "512BB", "1kBB", "1D", "2x3x512", "2x512B", " 4096", "1.5M"})
    void notDdSizes(String text) {
        assertThatThrownBy(() -> DdSizes.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid number '" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1Q", "1Z", "16E", "9223372036854775808"})
    void ddOverflowIsAnError(String text) {
        assertThatThrownBy(() -> DdSizes.parse(text)).hasMessage("'" + text + "' is too big (at most 8E - 1 bytes)");
    }
}
