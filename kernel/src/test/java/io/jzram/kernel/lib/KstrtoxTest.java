// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.lib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kernel's kstrtox rules, case by case (lib/kstrtox.c and lib/test-kstrtox.c). */
class KstrtoxTest {

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    @ParameterizedTest(name = "kstrtoull(\"{0}\", {1}) = {2}")
    @CsvSource(delimiter = '|', value = {
        "0|0|0", "1|0|1", "1\\n|0|1", "+7|10|7", "0x1A|0|26", "0X1a|0|26", "0x1A|16|26", "1A|16|26",
        "010|0|8", "010|10|10", "0|8|0", "18446744073709551615|10|-1", "0xffffffffffffffff|0|-1",
        "5\\0junk|10|5"})
    void kstrtoullValues(String in, int base, long expected) {
        assertThat(Kstrtox.kstrtoull(unescape(in), base)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "kstrtoull(\"{0}\", {1}) -> {2}")
    @CsvSource(delimiter = '|', value = {
        "''|0|EINVAL", "\\n|0|EINVAL", "abc|10|EINVAL", "12abc|10|EINVAL", "' 5'|10|EINVAL", "'5 '|10|EINVAL",
        "5\\n\\n|10|EINVAL", "-5|10|EINVAL", "+|10|EINVAL", "0x|0|EINVAL", "08|0|EINVAL", "0x|16|EINVAL",
        "18446744073709551616|10|ERANGE", "99999999999999999999x|10|ERANGE", "0x10000000000000000|0|ERANGE"})
    void kstrtoullErrors(String in, int base, Errno expected) {
        assertThat(errnoOf(() -> Kstrtox.kstrtoull(unescape(in), base))).isEqualTo(expected);
    }

    @Test
    void signedRanges() {
        assertThat(Kstrtox.kstrtoint("-2147483648", 10)).isEqualTo(Integer.MIN_VALUE);
        assertThat(Kstrtox.kstrtoint("2147483647\n", 10)).isEqualTo(Integer.MAX_VALUE);
        assertThat(errnoOf(() -> Kstrtox.kstrtoint("2147483648", 10))).isEqualTo(Errno.ERANGE);
        assertThat(errnoOf(() -> Kstrtox.kstrtoint("-2147483649", 10))).isEqualTo(Errno.ERANGE);
        assertThat(Kstrtox.kstrtoint("-1", 0)).isEqualTo(-1);
        assertThat(Kstrtox.kstrtoint("-0x10", 0)).isEqualTo(-16);
        assertThat(errnoOf(() -> Kstrtox.kstrtoint("--1", 0))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> Kstrtox.kstrtoint("-", 0))).isEqualTo(Errno.EINVAL);
        assertThat(Kstrtox.kstrtoll("-9223372036854775808", 10)).isEqualTo(Long.MIN_VALUE);
        assertThat(errnoOf(() -> Kstrtox.kstrtoll("-9223372036854775809", 10))).isEqualTo(Errno.ERANGE);
        assertThat(errnoOf(() -> Kstrtox.kstrtoll("9223372036854775808", 10))).isEqualTo(Errno.ERANGE);
    }

    @Test
    void narrowUnsigned() {
        assertThat(Kstrtox.kstrtou16("65535", 10)).isEqualTo(65535);
        assertThat(errnoOf(() -> Kstrtox.kstrtou16("65536", 10))).isEqualTo(Errno.ERANGE);
        assertThat(errnoOf(() -> Kstrtox.kstrtou16("-1", 10))).isEqualTo(Errno.EINVAL);
        assertThat(Kstrtox.kstrtou8("255", 10)).isEqualTo(255);
        assertThat(errnoOf(() -> Kstrtox.kstrtou8("256", 10))).isEqualTo(Errno.ERANGE);
        assertThat(Kstrtox.kstrtouint("4294967295", 10)).isEqualTo(4294967295L);
        assertThat(errnoOf(() -> Kstrtox.kstrtouint("4294967296", 10))).isEqualTo(Errno.ERANGE);
    }

    @ParameterizedTest(name = "kstrtobool(\"{0}\") = {1}")
    @CsvSource(delimiter = '|', value = {"1|true", "y|true", "Yes|true", "t|true", "on|true", "ON|true", "0|false",
        "n|false", "No|false", "f|false", "off|false", "oF|false", "1junk|true"})
    void kstrtoboolValues(String in, boolean expected) {
        assertThat(Kstrtox.kstrtobool(in)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "kstrtobool(\"{0}\") -> EINVAL")
    @CsvSource(delimiter = '|', value = {"''", "o", "2", "x", "\\n", "' 1'"})
    void kstrtoboolErrors(String in) {
        assertThatThrownBy(() -> Kstrtox.kstrtobool(unescape(in))).isInstanceOf(ErrnoException.class)
                .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\0", "\0");
    }
}
