// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * shell/src/test/resources/oracle/transcript.txt (what the real 6.18 kernel printed for a sequence of shell commands,
 * copied into the test resources) replayed through {@code jzram sh} on an emulated machine set up
 * like the real one (2 CPUs, zram built with the real kernel's options, zram0 loaded), command by
 * command, outputs compared line by line.
 *
 * <p>Documented differences, normalised on both sides: bash's error prefix (the recording ran its
 * commands as a script on file descriptor 3, so bash said "/dev/fd/3: line 59:"; jzram sh says
 * "bash: line N:" for a script on stdin and "SCRIPT: line N:" for a file, like bash);
 * the comp_algorithm listing (the kernel lists lzo-rle lzo lz4 and defaults to lzo-rle, the emulator
 * lists what it can run and defaults here to the first listed other than lz4; compared as the
 * selected algorithm, the default as "default", also inside od's dump); the time fields of
 * {@code stat}; the CPU hotplug states list, of which the emulator has a subset (grep's output is
 * compared as lines without grep's line numbers: every line the emulator prints must be one the
 * kernel printed, and zram's state, offline and online must be there).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TranscriptGoldenTest {

    record Step(String command, String output) {
    }

    static List<Step> transcript() throws IOException {
        String text;
        try (InputStream in = TranscriptGoldenTest.class.getResourceAsStream("/oracle/transcript.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Step> steps = new ArrayList<>();
        String cmd = null;
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("$ ")) {
                if (cmd != null) {
                    steps.add(new Step(cmd, block(out.toString())));
                }
                cmd = line.substring(2);
                out.setLength(0);
            } else if (cmd != null) {
                out.append(line).append('\n');
            }
        }
        if (cmd != null) {
            steps.add(new Step(cmd, block(out.toString())));
        }
        return steps;
    }

    /** A step's output: the lines before the blank separator line (a lone blank line is no output). */
    private static String block(String raw) {
        String s = raw;
        while (s.endsWith("\n\n")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.equals("\n")) {
            return "";
        }
        return s;
    }

    private static final Pattern LISTING = Pattern.compile("^(?:\\[?[a-z0-9-]+\\]? )+$", Pattern.MULTILINE);
    private static final Pattern SELECTED = Pattern.compile("\\[([a-z0-9-]+)\\]");

    static String normalise(String command, String output, String emulatorDefault) {
        String s = output.replaceAll("(?m)^\\S+: line \\d+: ", "SHELL: line N: ");
        if (command.contains("od -An -c")) {
            s = new String(undump(s), StandardCharsets.ISO_8859_1);
        }
        Matcher m = LISTING.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Matcher sel = SELECTED.matcher(m.group());
            String name = sel.find() ? sel.group(1) : "none";
            if (name.equals("lzo-rle") || name.equals(emulatorDefault)) {
                name = "default";
            }
            m.appendReplacement(sb, "comp_algorithm[selected=" + name + "]");
        }
        m.appendTail(sb);
        s = sb.toString();
        if (command.contains("/stat")) {
            StringBuilder t = new StringBuilder();
            for (String line : s.split("\n", -1)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 17) {
                    for (int i : new int[] {3, 7, 9, 10, 14, 16}) {
                        f[i] = "t";
                    }
                    line = String.join(" ", f);
                }
                t.append(line).append('\n');
            }
            s = t.substring(0, t.length() - 1);
        }
        return s;
    }

    /** od -An -c output back to bytes. */
    static byte[] undump(String od) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String line : od.split("\n")) {
            for (int i = 0; i + 4 <= line.length(); i += 4) {
                String f = line.substring(i, i + 4).stripLeading();
                if (f.isEmpty()) {
                    b.write(' ');
                } else if (f.startsWith("\\")) {
                    b.write(switch (f.charAt(1)) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case '0' -> 0;
                        case 'r' -> '\r';
                        default -> '?';
                    });
                } else if (f.length() == 3 && f.chars().allMatch(Character::isDigit)) {
                    b.write(Integer.parseInt(f, 8));
                } else {
                    b.write(f.charAt(0));
                }
            }
        }
        return b.toByteArray();
    }

    @Test
    void transcriptThroughJzramSh() throws IOException {
        List<Step> steps = transcript();
        assertThat(steps).hasSizeGreaterThan(25);
        String dflt;
        try (Machine probe = Machine.builder().cpus(2).build()) {
            dflt = probe.zram().backends().names().stream().filter(n -> !n.equals("lz4")).findFirst().orElseThrow();
        }
        int identicalLines = 0;
        int totalLines = 0;
        int identicalSteps = 0;
        List<String> diffs = new ArrayList<>();
        try (Machine m = Machine.builder().cpus(2).zramKconfig(ZramKconfig.realKernel().withDefaultCompressor(dflt)).build()) {
            long marker = m.kernel().log().marker();
            m.modprobe("zram");
            ShellRunner sh = new ShellRunner(m);
            for (Step st : steps) {
                ShellRun r = sh.run(st.command());
                String want = normalise(st.command(), st.output(), dflt);
                String got = normalise(st.command(), r.both(), dflt);
                if (st.command().startsWith("grep -n") && st.command().contains("hotplug/states")) {
                    Set<String> kernel = stripGrepNumbers(want);
                    Set<String> emu = stripGrepNumbers(got);
                    totalLines += emu.size();
                    if (kernel.containsAll(emu) && emu.containsAll(Set.of("0: offline", "57: block/zram:prepare", "236: online"))) {
                        identicalSteps++;
                        identicalLines += emu.size();
                    } else {
                        diffs.add("$ " + st.command() + "\n  emulator lines not in the kernel's: " + minus(emu, kernel));
                    }
                    continue;
                }
                String[] w = want.split("\n", -1);
                String[] g = got.split("\n", -1);
                totalLines += w.length;
                for (int i = 0; i < Math.min(w.length, g.length); i++) {
                    if (w[i].equals(g[i])) {
                        identicalLines++;
                    }
                }
                if (want.equals(got)) {
                    identicalSteps++;
                } else {
                    diffs.add("$ " + st.command() + "\n--- kernel\n" + want + "\n+++ emulator\n" + got);
                }
            }
            assertThat(m.kernel().log().scan(marker).clean()).as(m.kernel().log().dmesgSince(marker)).isTrue();
        }
        System.out.printf("transcript through jzram sh: %d of %d commands and %d of %d output lines identical after normalisation%n",
                identicalSteps, steps.size(), identicalLines, totalLines);
        assertThat(diffs).as(String.join("\n\n", diffs)).isEmpty();
    }

    private static Set<String> stripGrepNumbers(String s) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : s.split("\n")) {
            if (!line.isBlank()) {
                out.add(line.replaceFirst("^\\d+:", "").strip());
            }
        }
        return out;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> r = new LinkedHashSet<>(a);
        r.removeAll(b);
        return r;
    }
}
