// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code type=} words of writeback and recompress, and the slot flags they select. */
class SlotSelectionTest {

    @Test
    void everyTypeHasItsWordAndTheFlagsItsNameNames() {
        for (WritebackType t : WritebackType.values()) {
            assertThat(WritebackType.fromWord(t.word())).isSameAs(t);
            assertThat(PpCtl.requiredFlags(t)).isNotZero();
        }
        for (RecompressType t : RecompressType.values()) {
            assertThat(RecompressType.fromWord(t.word())).isSameAs(t);
            assertThat(PpCtl.requiredFlags(t)).isNotZero();
        }
        assertThat(WritebackType.HUGE_IDLE.word()).isEqualTo("huge_idle");
        assertThat(PpCtl.requiredFlags(WritebackType.HUGE_IDLE)).isEqualTo(SlotTable.HUGE | SlotTable.IDLE);
        assertThat(PpCtl.requiredFlags(WritebackType.INCOMPRESSIBLE)).isEqualTo(SlotTable.INCOMPRESSIBLE);
        assertThat(PpCtl.requiredFlags(RecompressType.IDLE)).isEqualTo(SlotTable.IDLE);
        assertThat(PpCtl.requiredFlags(null)).as("no type: every slot").isZero();
        assertThat(WritebackType.fromWord("incompressible\n")).isNull();
        assertThat(RecompressType.fromWord("incompressible")).as("recompress has no such type").isNull();
    }
}
