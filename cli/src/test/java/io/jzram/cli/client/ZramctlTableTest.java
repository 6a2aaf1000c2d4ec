// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code jzram status} against util-linux 2.38.1 zramctl's own output for the same device states:
 * src/test/resources/zramctl/STATE/ holds what the real kernel's zram0 showed (disksize,
 * comp_algorithm, mm_stat) and zramctl's stdout, stderr and exit status for each option set
 * (captured by capture.sh there). The table must be byte-identical; messages differ only in the
 * program name.
 */
class ZramctlTableTest {

    static Path captures() throws URISyntaxException {
        return Path.of(ZramctlTableTest.class.getResource("/zramctl/capture.sh").toURI()).getParent();
    }

    /** A machine with one zram0 in the captured state (and nothing else under /sys/block). */
    static SysfsSource captured(Path state) {
        return new SysfsSource() {
            @Override
            public String read(String path) throws IOException {
                Map<String, String> files = Map.of("/sys/block/zram0/disksize", "disksize",
                        "/sys/block/zram0/comp_algorithm", "comp_algorithm", "/sys/block/zram0/mm_stat", "mm_stat");
                if (path.equals("/sys/block/zram0/dev")) {
                    return "252:0\n";
                }
                if (path.equals("/sys/block/zram0/diskseq")) {
                    return "7\n";
                }
                String f = files.get(path);
                if (f == null) {
                    throw new ControlClient.ErrnoReply(Errno.ENOENT, 404, "open", path + ": no such file or directory");
                }
                return Files.readString(state.resolve(f), StandardCharsets.ISO_8859_1);
            }

            @Override
            public List<String> list(String dir) {
                return List.of("null", "zero", "zram0");
            }
        };
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (String state : List.of("empty-1g", "data-lz4", "odd-lzo")) {
            Path d = captures().resolve(state);
            for (int i = 1; Files.exists(d.resolve("args." + i)); i++) {
                out.add(Arguments.of(state, Files.readString(d.resolve("args." + i)).strip(), i));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: zramctl {1}")
    @MethodSource("cases")
    void sameOutputAsZramctl(String state, String args, int i) throws Exception {
        Path d = captures().resolve(state);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new StatusCommand(captured(d)));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] argv = args.isEmpty() ? new String[0] : args.split(" ");
        int rc = cl.execute(argv);
        assertThat(out.toString()).as("stdout of %s", Arrays.toString(argv))
                .isEqualTo(Files.readString(d.resolve("out." + i)));
        assertThat(err.toString()).as("stderr")
                .isEqualTo(Files.readString(d.resolve("err." + i)).replace("zramctl: ", "jzram status: "));
        assertThat(rc).as("exit status").isEqualTo(Integer.parseInt(Files.readString(d.resolve("rc." + i)).strip()));
    }

    @Test
    void humanSizesAsSizeToHumanString() {
        assertThat(HumanSize.format(0)).isEqualTo("0B");
        assertThat(HumanSize.format(1023)).isEqualTo("1023B");
        assertThat(HumanSize.format(1024)).isEqualTo("1K");
        assertThat(HumanSize.format(1536)).isEqualTo("1.5K");
        assertThat(HumanSize.format(4718592)).isEqualTo("4.5M");
        assertThat(HumanSize.format(1134242)).isEqualTo("1.1M");
        assertThat(HumanSize.format(123457536)).isEqualTo("117.7M");
        assertThat(HumanSize.format(1L << 30)).isEqualTo("1G");
        assertThat(HumanSize.format((1L << 30) - 1)).isEqualTo("1024M"); // rounds up to the next integer
        assertThat(HumanSize.format(1L << 60)).isEqualTo("1E");
        assertThat(HumanSize.format(-1L)).isEqualTo("16E");
        assertThat(HumanSize.format(1024 + 51)).isEqualTo("1K"); // 0.0498 -> .0
        assertThat(HumanSize.format(1024 + 52)).isEqualTo("1.1K"); // 0.0507 -> .1
    }

    @Test
    void compRatioAsGlibcPrintsIt() {
        assertThat(ZramctlTable.ratio(4718592, 1171456)).isEqualTo("4.0280");
        assertThat(ZramctlTable.ratio(0, 0)).isEqualTo("-nan");
        assertThat(ZramctlTable.ratio(1, 0)).isEqualTo("inf");
    }

    @Test
    void noRowsNoHeading() {
        ZramctlTable t = new ZramctlTable(ZramctlTable.DEFAULT_COLUMNS, false, false, false);
        assertThat(t.render()).isEmpty();
    }

    @Test
    void newestDeviceFirstLikeReaddirOfDevtmpfs() {
        SysfsSource two = new SysfsSource() {
            @Override
            public String read(String path) throws IOException {
                String[] p = path.split("/");
                String dev = p[3];
                switch (p[4]) {
                    case "dev":
                        return "252:" + dev.substring(4) + "\n";
                    case "diskseq":
                        return (dev.equals("zram1") ? "9" : "3") + "\n";
                    case "disksize":
                        return (dev.equals("zram1") ? "33554432" : "67108864") + "\n";
                    case "comp_algorithm":
                        return "[lzo-rle] lzo lz4 \n";
                    case "mm_stat":
                        return "       0        0        0        0        0        0        0        0        0\n";
                    default:
                        throw new ControlClient.ErrnoReply(Errno.ENOENT, 404, "open", path);
                }
            }

            @Override
            public List<String> list(String dir) {
                return List.of("zram0", "zram1");
            }
        };
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new StatusCommand(two));
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute()).isZero();
        // what the real zramctl printed for a hot-added zram1 (32M) next to zram0 (64M)
        assertThat(out.toString()).isEqualTo(
                "NAME       ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT\n"
                        + "/dev/zram1 lzo-rle        32M   0B    0B    0B         \n"
                        + "/dev/zram0 lzo-rle        64M   0B    0B    0B         \n");
    }
}
