// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.kernel.KernelLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows an emulated kernel's log for the lines that identify the seed's bugs: cpuhp's "Removing
 * state N which has instances left." (bug 1), KASAN reports, page faults in an unloaded module, and
 * the first lockdep "possible circular locking dependency" report, which it classifies by the
 * functions in its chains.
 *
 * <p>Threading: {@link #poll()} and the getters are synchronized; poll from any thread.
 */
public final class KernelLogWatch {
    private final KernelLog log;
    private long marker;
    private long stateLeft;
    private long kasan;
    private long pageFaults;
    private String lockdep;

    public KernelLogWatch(KernelLog log) {
        this.log = log;
    }

    /** Reads the records logged since the last poll. */
    public synchronized void poll() {
        List<KernelLog.Record> recs = log.since(marker);
        marker = log.marker();
        for (int i = 0; i < recs.size(); i++) {
            String t = recs.get(i).text();
            if (t.contains("which has instances left")) {
                stateLeft++;
            } else if (t.contains("BUG: KASAN")) {
                kasan++;
            } else if (t.contains("BUG: unable to handle page fault")) {
                pageFaults++;
            } else if (lockdep == null && t.contains("possible circular locking dependency detected")) {
                StringBuilder sb = new StringBuilder();
                for (int j = i; j < Math.min(recs.size(), i + 800); j++) {
                    sb.append(recs.get(j).text()).append('\n');
                }
                lockdep = sb.toString();
            }
        }
    }

    /** Whether the log holds the evidence of one of the seed's bugs (or of lockdep's cycle). */
    public synchronized boolean bugEvidence() {
        return stateLeft > 0 || kasan > 0 || pageFaults > 0 || lockdep != null;
    }

    /** "Removing state N which has instances left." lines (bug 1). */
    public synchronized long stateLeft() {
        return stateLeft;
    }

    /** KASAN reports. */
    public synchronized long kasan() {
        return kasan;
    }

    /** "BUG: unable to handle page fault" reports. */
    public synchronized long pageFaults() {
        return pageFaults;
    }

    /** What the first lockdep cycle report is (bug 2's, finding (a)'s, or another), or null if none was logged. */
    public synchronized String lockdepClassification() {
        if (lockdep == null) {
            return null;
        }
        List<String> what = new ArrayList<>();
        if (lockdep.contains("destroyDevices")) {
            what.add("bug 2's cycle: module exit holds zram_index_mutex while del_gendisk drains the kn->active of a "
                    + "store that takes the mutex");
        }
        if (lockdep.contains("hotRemoveStore")) {
            what.add("finding (a)'s cycle: hot_remove holds zram_index_mutex while del_gendisk drains the kn->active of a "
                    + "disksize/reset store that takes the mutex");
        }
        if (what.isEmpty()) {
            String first = lockdep.lines().filter(l -> l.contains("lock(")).findFirst().orElse("").strip();
            what.add("a circular dependency " + first);
        }
        return String.join("; ", what);
    }
}
