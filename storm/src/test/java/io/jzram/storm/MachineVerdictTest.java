// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.SplatKind;
import io.jzram.kernel.locking.Lockdep;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict's lockdep rule: a report that cannot deadlock is printed with its reason and is no violation. */
class MachineVerdictTest {

    private static final StormReport.Leaks NONE = new StormReport.Leaks(0, 0, 0, 0, true, "done");
    private static final List<String> CHAIN = List.of("zram_index_mutex", "kn->active#4", "zram_index_mutex");

    private static MachineVerdict verdict(long circular, long warnings, Lockdep.CircularVerdict v) {
        return new MachineVerdict(Map.of(SplatKind.CIRCULAR_LOCKING, circular, SplatKind.WARNING, warnings), 0, List.of(), 0,
                NONE, List.of(), v);
    }

    @Test
    void aCycleThatCannotDeadlockIsNoViolation() {
        Lockdep.CircularVerdict cannot = new Lockdep.CircularVerdict(CHAIN, false, "the dependency zram_index_mutex -> "
                + "kn->active#4 cannot block: with the owner-module reference fix, a store holding kn->active also holds the "
                + "module, so module exit cannot be draining it");
        MachineVerdict v = verdict(1, 0, cannot);
        assertThat(v.violations()).isEmpty();
        assertThat(v.lockdepCannotDeadlock()).isTrue();
        assertThat(v.lockdepSummary("bug 2's cycle")).startsWith("bug 2's cycle; cannot deadlock, not a violation: ")
                .contains("owner-module reference fix").endsWith("(zram_index_mutex -> kn->active#4 -> zram_index_mutex)");
        // other splats still count
        assertThat(verdict(1, 1, cannot).violations()).containsExactly("splats: WARNING 1");
    }

    @Test
    void aCycleThatCanDeadlockIsAViolation() {
        Lockdep.CircularVerdict can = new Lockdep.CircularVerdict(CHAIN, true,
                "every dependency of the cycle was recorded by an acquisition that waits");
        MachineVerdict v = verdict(1, 0, can);
        assertThat(v.violations()).containsExactly("splats: CIRCULAR_LOCKING 1");
        assertThat(v.lockdepSummary("finding (a)'s cycle")).contains("CAN DEADLOCK");
        // without lockdep's verdict (not known) the report is a violation, as before
        assertThat(verdict(1, 0, null).violations()).containsExactly("splats: CIRCULAR_LOCKING 1");
        assertThat(verdict(0, 0, null).lockdepSummary(null)).isNull();
    }
}
