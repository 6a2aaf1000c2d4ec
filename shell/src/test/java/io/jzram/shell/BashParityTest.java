// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.sysfs.Machine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same script over host files run by the machine's bash (with its coreutils, grep, diffutils)
 * and by jzram sh: stdout and stderr byte for byte, and the exit status. Skipped where bash or the
 * tools are missing. dd runs with status=noxfer (its transfer line carries this run's time).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BashParityTest {

    @TempDir
    Path tmp;

    private static final String SCRIPT = """
            printf 'zram0\\nzram1\\n\\tx\\001\\377end' > T/a
            printf '%s-%d-%x-%o|%5s|%-4s|\\n' s 42 255 8 ab cd
            printf '%d\\n' 12 x3 7
            printf -1; echo printf=$?
            printf -- '-1\\n'
            echo -e 'tab\\there' -n
            echo -n no newline; echo
            od -c T/a
            od -An -tx1 T/a
            od -Ad -tu2 T/a
            od -to1 -N 5 -j 2 T/a
            head -c 4000 /dev/zero | od -An -c
            head -c 4000 /dev/zero | od -v -An -tx1 | head -n 2
            head -n 1 T/a
            head -n 1 T/a T/nonexistent T/a; echo head=$?
            head -q -c 2 T/a T/a; echo
            head -c 3 T/a; echo
            grep -n 'zram[0-9]' T/a
            grep -c zram T/a
            grep -A1 -n zram0 T/a
            grep nothing T/a; echo grep=$?
            grep -q zram T/a; echo grep-q=$?
            cmp T/a T/a; echo cmp=$?
            printf 'zram0\\nzram2' > T/b
            cmp T/a T/b; echo cmp=$?
            head -c 3 T/a > T/c
            cmp T/a T/c; echo cmp=$?
            cmp T/a T/nonexistent; echo cmp=$?
            dd if=T/a of=T/d bs=5 count=2 status=noxfer
            dd if=T/a of=T/d bs=4 skip=1 seek=2 conv=notrunc status=noxfer
            od -c T/d
            dd if=T/a bs=7 status=none | od -c
            dd if=/nonexistent of=T/e status=noxfer; echo dd=$?
            dd if=T/a of=T/e bs=x; echo dd=$?
            dd if=T/a of=T/e bogus=1; echo dd=$?
            cat T/a T/nonexistent > /dev/null; echo cat=$?
            ls T/nonexistent; echo ls=$?
            ls T/b T/a T/nonexistent; echo ls=$?
            for i in {3..1}; do echo "n=$i"; done
            V='a  b'; echo $V "$V" '$V'
            false || echo or; true && echo and; ! true; echo neg=$?
            nosuchcmd; echo st=$?
            cat < T/nonexistent
            echo end > T/f; cat T/f >> T/f2; cat T/f2
            exit 4
            """;

    @Test
    void sameAsBash() throws IOException, InterruptedException {
        Path bash = Path.of("/bin/bash");
        Assumptions.assumeTrue(Files.isExecutable(bash), "skipped: no /bin/bash here");
        for (String tool : new String[] {"od", "head", "grep", "cmp", "dd", "cat", "ls"}) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/bin", tool)),
                    "skipped: no " + tool + " here");
        }
        String script = SCRIPT.replace("T/", tmp + "/");
        Path file = tmp.resolve("script.sh");
        Files.writeString(file, script);

        Process p = new ProcessBuilder(bash.toString(), file.toString()).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] bashOut = p.getInputStream().readAllBytes();
        byte[] bashErr = p.getErrorStream().readAllBytes();
        int bashStatus = p.waitFor();
        for (String f : new String[] {"a", "b", "c", "d", "e", "f", "f2"}) {
            Files.deleteIfExists(tmp.resolve(f));
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Machine m = Machine.builder().cpus(2).build()) {
            status = Shell.builder(m).name(file.toString()).out(out).err(err).seed(1).build().run(new StringReader(script));
        }
        String bo = new String(bashOut, StandardCharsets.UTF_8);
        String be = new String(bashErr, StandardCharsets.UTF_8);
        String jo = out.toString(StandardCharsets.UTF_8);
        String je = err.toString(StandardCharsets.UTF_8);
        if (!jo.equals(bo) || !je.equals(be)) {
            TargetDump.write("bash-parity", Map.of("bash.out", bo, "bash.err", be, "jzram.out", jo, "jzram.err", je));
        }
        assertThat(jo).as("stdout").isEqualTo(bo);
        assertThat(je).as("stderr").isEqualTo(be);
        assertThat(status).isEqualTo(bashStatus).isEqualTo(4);
        System.out.printf("bash parity: %d stdout lines and %d stderr lines identical to bash's%n", bo.split("\n").length,
                be.split("\n").length);
    }
}
