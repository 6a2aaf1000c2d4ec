// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.hotplug;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bounded stress: concurrent add/remove_instance and CPU up/down with injected failures; the
 * invariants are checked all along under the hotplug lock and once more at the end.
 */
class MultiInstanceStormTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stormKeepsOneResourcePerInstanceAndCpu(long seed) {
        MultiInstanceStorm.Config cfg = new MultiInstanceStorm.Config(16, 6, Duration.ofSeconds(2), 2000, seed, 3, 0.02);
        MultiInstanceStorm.Report r = new MultiInstanceStorm(cfg).run(line -> { });
        System.out.printf("seed %d: toggles %d (up %d down %d failed %s), adds %d (failed %d), removes %d, startups %d, "
                + "teardowns %d, rollbacks %d, injected %d, armed fails %d, checks %d%n", seed, r.hotplug().toggles(),
                r.hotplug().ups(), r.hotplug().downs(), r.hotplug().failures(), r.instanceAdds(), r.instanceAddFailures(),
                r.instanceRemoves(), r.startups(), r.teardowns(), r.cpuhpRollbacks(), r.injectedFailures(), r.armedFails(),
                r.checks());
        assertThat(r.violations()).isEmpty();
        assertThat(r.splats().clean()).as(r.splats().describe()).isTrue();
        assertThat(r.liveResourcesAtEnd()).isZero();
        assertThat(r.startups()).isEqualTo(r.teardowns());
        // the run really exercised what it claims to
        assertThat(r.hotplug().toggles()).isGreaterThan(50);
        assertThat(r.instanceAdds()).isGreaterThan(10);
        assertThat(r.instanceRemoves()).isGreaterThan(10);
        assertThat(r.cpuhpRollbacks()).isPositive();
        assertThat(r.checks()).isGreaterThan(3);
        assertThat(r.ok()).isTrue();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stormOnTwoCpusNeverTakesTheLastOneDown() {
        try (io.jzram.kernel.Kernel k = io.jzram.kernel.Kernel.boot()) {
            CpuHotplug hp = new CpuHotplug(k, 2);
            HotplugStorm storm = new HotplugStorm(hp, new int[] {0, 1}, 0, 7);
            HotplugStorm.Report r = storm.run(Duration.ofMillis(300));
            assertThat(r.toggles()).isGreaterThan(10);
            assertThat(r.failed()).isZero();
            assertThat(hp.isOnline(0)).isTrue();
            assertThat(Math.abs(r.ups() - r.downs())).isLessThanOrEqualTo(1);
        }
    }
}
