// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checker of the Prometheus text format 0.0.4 rules the exposition must follow, and of the naming
 * conventions: every family has HELP and TYPE, {@code _total} on counters and nothing else, base
 * units (bytes, seconds) rather than pages, sectors or milliseconds in names.
 */
final class MetricsFormat {
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\\\\n]|\\\\\\\\|\\\\n)*");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\""
                    + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");

    private MetricsFormat() {
    }

    static void check(String text) {
        assertThat(text).endsWith("\n");
        Set<String> seen = new HashSet<>();
        Set<String> typed = new HashSet<>();
        String family = null;
        String helpFor = null;
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertThat(seen.add(m.group(1))).as("one HELP per family: %s", line).isTrue();
                helpFor = m.group(1);
                family = null;
            } else if ((m = TYPE.matcher(line)).matches()) {
                assertThat(m.group(1)).as("TYPE after its HELP").isEqualTo(helpFor);
                typed.add(m.group(1));
                family = m.group(1);
                assertThat(family.endsWith("_total")).as("_total on counters, and only on them: %s", line)
                        .isEqualTo(m.group(2).equals("counter"));
                assertThat(family).as("base units in %s", family).doesNotContainPattern("_(pages|sectors|ms|millis|kb|mb)(_|$)");
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                assertThat(m.group(1)).as("sample %s in its family's group, after HELP and TYPE", line).isEqualTo(family);
            } else {
                throw new AssertionError("not a valid exposition line: '" + line + "'");
            }
        }
        assertThat(typed).as("every family has HELP and TYPE").isEqualTo(seen);
    }
}
