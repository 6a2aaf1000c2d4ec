// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.ErrnoException;
import io.jzram.shell.Shell;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.zram.RealZram0;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * zramctl against the real kernel, live: the same steps (bash on the machine's own zram devices,
 * jzram sh on a machine booted as {@code --kconfig real}) lead to several states (one device empty,
 * with data, a second hot-added device with another algorithm, an odd size, data and a mem_limit, a
 * third uninitialised one, zram0 reset), and in each state util-linux zramctl on the real machine and
 * {@code jzram status} on the emulator answer the same option sets (with and without -b, -o columns,
 * --output-all, --raw, -n, a device, an unknown column, an unknown device): stdout byte for byte,
 * stderr with the program's name replaced, the exit status. Skipped, saying why, without a usable
 * zram0, without zramctl, or when the real machine has other zram devices (zramctl would list them).
 * Holds /tmp/jzram-real-zram0.lock; removes what it hot-added and leaves zram0 reset.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZramctlRealDifferentialTest {

    @TempDir
    Path tmp;

    static final List<String> OPTION_SETS = List.of("", "-b", "--raw", "-n", "--raw -n -b", "--output-all", "--output-all -b",
            "--output-all --raw", "-o NAME,DISKSIZE", "-o name,zero-pages,mem-limit,mem-used,migrated", "-o DATA,NAME",
            "-o NAME,ALGORITHM,STREAMS,TOTAL -b", "/dev/zram0", "-b /dev/zram1", "--raw /dev/zram2", "-o NAME,FOO", "/dev/zram9");

    /** The steps: each leads to a state in which every option set is asked. */
    static List<String[]> steps(String pages) {
        String z = "/sys/block/zram0";
        String c = "/sys/class/zram-control";
        return List.of(
                new String[] {"zram0 64M lzo-rle, empty", "echo lzo-rle > " + z + "/comp_algorithm; echo 64M > " + z + "/disksize"},
                new String[] {"zram0 with data", "dd if=" + pages + " of=/dev/zram0 bs=4k oflag=direct status=none; "
                        + "dd if=/dev/zero of=/dev/zram0 bs=4k seek=300 count=50 oflag=direct status=none"},
                new String[] {"zram1 hot-added: lz4, 123456789 bytes, data, mem_limit 100M", "cat " + c + "/hot_add > /dev/null; "
                        + "echo lz4 > /sys/block/zram1/comp_algorithm; echo 123456789 > /sys/block/zram1/disksize; "
                        + "dd if=" + pages + " of=/dev/zram1 bs=4k count=40 oflag=direct status=none; "
                        + "echo 100M > /sys/block/zram1/mem_limit"},
                new String[] {"zram2 hot-added, lzo, not initialised; zram0 compacted",
                        "cat " + c + "/hot_add > /dev/null; echo lzo > /sys/block/zram2/comp_algorithm; echo 1 > " + z + "/compact"},
                new String[] {"zram0 reset", "echo 1 > " + z + "/reset"});
    }

    /** Pages: text, random, zero, same-filled. */
    static byte[] pages() {
        Random r = new Random(11);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int p = 0; p < 256; p++) {
            byte[] b = new byte[4096];
            switch (p % 4) {
                case 0 -> {
                    byte[] line = ("zramctl differential page " + p + " of text that compresses; ").getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < b.length; i++) {
                        b[i] = line[i % line.length];
                    }
                }
                case 1 -> r.nextBytes(b);
                case 2 -> { }
                default -> java.util.Arrays.fill(b, (byte) 0x5a);
            }
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** A machine's files as {@code jzram status} reads them. */
    static SysfsSource source(Machine m) {
        return new SysfsSource() {
            @Override
            public String read(String path) throws IOException {
                try {
                    return m.cat(path);
                } catch (ErrnoException e) {
                    throw new ControlClient.ErrnoReply(e.errno(), 404, "open", path);
                }
            }

            @Override
            public List<String> list(String dir) {
                return m.ls(dir);
            }
        };
    }

    record Answer(String out, String err, int rc) {
    }

    private static Answer zramctl(String options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("zramctl"));
        if (!options.isEmpty()) {
            cmd.addAll(List.of(options.split(" ")));
        }
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Answer(out, err.replace("zramctl: ", "jzram status: "), p.waitFor());
    }

    private static Answer status(Machine m, String options) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new StatusCommand(source(m)));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(options.isEmpty() ? new String[0] : options.split(" "));
        return new Answer(out.toString(), err.toString(), rc);
    }

    private static void bash(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("bash: " + script + "\n" + out).isZero();
    }

    private static List<String> otherZramDevices() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("zram\\d+") && !n.equals("zram0")).toList();
        }
    }

    @Test
    void zramctlOnTheKernelAndJzramStatusOnTheEmulatorAnswerAlike() throws IOException, InterruptedException {
        Optional<String> why = RealZram0.unusableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/zramctl")) || Files.isExecutable(Path.of("/usr/bin/zramctl")),
                "skipped: no util-linux zramctl here");
        Path pages = tmp.resolve("pages");
        Files.write(pages, pages());
        List<String[]> steps = steps(pages.toString());

        List<List<Answer>> real = new ArrayList<>();
        Optional<RealZram0> lock = RealZram0.acquire();
        Assumptions.assumeTrue(lock.isPresent(), "skipped: zram0 became busy");
        RealZram0 zram0 = lock.get();
        try {
            List<String> others = otherZramDevices();
            Assumptions.assumeTrue(others.isEmpty(), () -> "skipped: this machine has other zram devices " + others
                    + ", which zramctl would list");
            Files.writeString(Path.of("/sys/block/zram0/mem_limit"), "0");
            for (String[] step : steps) {
                bash(step[1]);
                List<Answer> answers = new ArrayList<>();
                for (String o : OPTION_SETS) {
                    answers.add(zramctl(o));
                }
                real.add(answers);
            }
        } finally {
            for (String n : otherZramDevices()) {
                try {
                    Files.writeString(Path.of("/sys/class/zram-control/hot_remove"), n.substring(4));
                } catch (IOException e) {
                    // best effort
                }
            }
            zram0.close();
        }

        List<List<Answer>> emulated = new ArrayList<>();
        try (Machine m = Machine.builder().cpus(2).realKernel().build()) {
            m.modprobe("zram");
            for (String[] step : steps) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int rc = Shell.builder(m).out(out).err(out).seed(1).build().run(new StringReader(step[1]));
                assertThat(rc).as("jzram sh: " + step[1] + "\n" + out).isZero();
                List<Answer> answers = new ArrayList<>();
                for (String o : OPTION_SETS) {
                    answers.add(status(m, o));
                }
                emulated.add(answers);
            }
        }

        int same = 0;
        int total = 0;
        StringBuilder report = new StringBuilder();
        for (int s = 0; s < steps.size(); s++) {
            for (int o = 0; o < OPTION_SETS.size(); o++) {
                total++;
                Answer k = real.get(s).get(o);
                Answer e = emulated.get(s).get(o);
                if (k.equals(e)) {
                    same++;
                } else {
                    report.append(String.format("state '%s', zramctl %s:%n  kernel (rc %d):%n%s%s  emulator (rc %d):%n%s%s", steps.get(s)[0],
                            OPTION_SETS.get(o), k.rc(), k.out(), k.err(), e.rc(), e.out(), e.err()));
                }
            }
        }
        System.out.printf("zramctl live differential: %d states x %d option sets, %d/%d answers byte-identical%n",
                steps.size(), OPTION_SETS.size(), same, total);
        assertThat(report.toString()).as("answers that differ").isEmpty();
    }
}
