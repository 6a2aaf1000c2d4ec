// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@code jzram sh}'s parser: any text either parses, or is incomplete (the shell reads on),
 * or is a syntax error in bash's words ({@code syntax error near unexpected token `X'},
 * {@code `X': not a valid identifier}); no other exception may escape. Regression mode (the
 * default, {@code JAZZER_FUZZ} unset) runs the committed seeds of {@code ParserFuzzTestInputs/parse};
 * fuzzing mode: {@code JAZZER_FUZZ=1 mvn -pl shell -am test -Dtest=ParserFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=5m} (see docs/fuzzing.md).
 */
class ParserFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            Ast.Seq seq = Parser.parse(text);
            if (seq == null) {
                throw new AssertionError("parse returned null for " + text);
            }
        } catch (Parser.Incomplete e) {
            // more lines needed: the shell reads on (or says "unexpected end of file")
        } catch (Parser.SyntaxError e) {
            String m = e.getMessage();
            if (m == null || !(m.startsWith("syntax error near unexpected token `") || m.matches("(?s)`.*': not a valid identifier"))) {
                throw new AssertionError("not one of bash's syntax errors: " + m, e);
            }
        }
    }
}
