// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The up-front check of the JVM flags: quiet in a JVM that has them (this one: surefire passes the
 * root pom's jzram.jvm.flags), and in a JVM without them a message that lists exactly what to add;
 * the repository's argument file gives a JVM everything the check asks for.
 */
class JvmAccessTest {

    /**
     * Run in a child JVM: prints the check's message, or "ok"; with the argument {@code build} it
     * builds an embedded device instead, which must fail (or succeed) the same way.
     */
    public static void main(String[] args) {
        try {
            if (args.length > 0 && args[0].equals("build")) {
                ZramDevice.builder().diskSize(1L << 20).cpus(1).build().close();
            } else {
                JvmAccess.check();
            }
            System.out.println("ok");
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
        }
    }

    @Test
    void aDeviceBuiltWithoutFlagsFailsWithTheList() throws Exception {
        String out = child(List.of(), "build");
        assertThat(out).startsWith("jzram's off-heap store needs JVM flags");
        assertThat(out).doesNotContain("AssertionError");
    }

    @Test
    void quietWithTheFlags() {
        assertThat(JvmAccess.missingFlags()).isEmpty();
        JvmAccess.check();
    }

    @Test
    void withoutFlagsTheMessageListsEachOne() throws Exception {
        String out = child(List.of());
        assertThat(out).startsWith("jzram's off-heap store needs JVM flags");
        for (String p : JvmAccess.EXPORTS) {
            assertThat(out).contains("--add-exports=java.base/" + p + "=ALL-UNNAMED");
        }
        for (String p : JvmAccess.OPENS) {
            assertThat(out).contains("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        assertThat(out).contains("java @jzram");
    }

    @Test
    void theArgumentFileSatisfiesTheCheck() throws Exception {
        Path argfile = repositoryRoot().resolve(Runtime.version().feature() >= 24 ? "jzram-jdk24.jvmopts" : "jzram.jvmopts");
        assertThat(child(List.of("@" + argfile)).strip()).isEqualTo("ok");
    }

    @Test
    void theArgumentFileIsThePomsList() throws IOException {
        List<String> fromFile = new ArrayList<>();
        for (String line : Files.readAllLines(repositoryRoot().resolve("jzram.jvmopts"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                fromFile.add(line.strip());
            }
        }
        String pom = Files.readString(repositoryRoot().resolve("pom.xml"));
        String flags = pom.substring(pom.indexOf("<jzram.jvm.flags>") + "<jzram.jvm.flags>".length(), pom.indexOf("</jzram.jvm.flags>"));
        assertThat(fromFile).containsExactlyElementsOf(Arrays.asList(flags.strip().split("\\s+")));
    }

    private static String child(List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(JvmAccessTest.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("jzram.jvmopts"))) {
                return d;
            }
        }
        throw new AssertionError("no jzram.jvmopts above " + Path.of("").toAbsolutePath());
    }
}
