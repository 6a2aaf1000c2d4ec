// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel.lib;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** memparse(): base-0 number, one optional suffix, the rest left to the caller. */
class MemparseTest {

    @ParameterizedTest(name = "memparse(\"{0}\") = {1}, end {2}")
    @CsvSource(delimiter = '|', value = {
        "1G|1073741824|2", "1g\\n|1073741824|2", "64M|67108864|3", "100G|107374182400|4", "4096|4096|4",
        "1K|1024|2", "1KB|1024|2", "0x10k|16384|5", "010|8|3", "1T|1099511627776|2", "1P|1125899906842624|2",
        "1E|1152921504606846976|2", "1Q|1|1", "abc|0|0", "''|0|0", "-1|0|0", "' 1'|0|0", "0|0|1", "0x|0|1",
        "4096xyz|4096|4", "4096garbage|4398046511104|5", "5\\0M|5|1", "priority=0|0|1", "k|0|1", "Mx|0|1"})
    void cases(String in, long value, int end) {
        Memparse.Result r = Memparse.memparse(KstrtoxTest.unescape(in));
        assertThat(r.value()).isEqualTo(value);
        assertThat(r.end()).isEqualTo(end);
        assertThat(r.nothingParsed()).isEqualTo(end == 0);
    }
}
