package io.jzram.cli.serve;

import java.util.List;
import java.util.Locale;

/**
 * serve's {@code --fixes}: which of the seed's and upstream's fixes the machine runs with (see
 * SEED.md), passed to the driver as {@code modprobe zram fixes=SET}. {@code none} is zram as of
 * 5.15; {@code seed} adds the series' zram_up guard and owner references (the driver turns the
 * kernfs generic fix on); {@code upstream} is what Linux took instead (5.16's zram fixes, the 6.18
 * kernel); {@code all} both.
 */
public enum Fixes {
    NONE, SEED, UPSTREAM, ALL;

    /** Parses none|seed|upstream|all (any case). */
    public static Fixes parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown fix set '" + s + "' (none, seed, upstream or all)");
        }
    }

    /** Parameters for modprobe zram. */
    List<String> moduleParams() {
        return List.of("fixes=" + this);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
