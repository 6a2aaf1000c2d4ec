// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes at once on one mount while the tree changes, and FUSE_INTERRUPT: a read that
 * blocks in the file system ends with EINTR when its caller gets a signal.
 */
@Timeout(120)
class FuseConcurrencyTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    FuseMount mount;

    @BeforeEach
    void assumptions() {
        Host.assumeFuse();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (mount != null) {
            mount.close();
        }
        Host.assertNothingLeft(dir);
    }

    @Test
    void parallelReadersWhileFilesComeAndGo() throws Exception {
        MemoryFs fs = new MemoryFs().dir("/stable").dir("/churn");
        for (int i = 0; i < 20; i++) {
            fs.attribute("/stable/f" + i, "value " + i + "\n");
        }
        mount = FuseMount.mount(Files.createDirectory(dir.resolve("mnt")), fs);
        Path m = mount.mountPoint();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger toggles = new AtomicInteger();
        Thread churn = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                fs.attribute("/churn/dev" + (i % 8), "x\n");
                fs.remove("/churn/dev" + ((i + 4) % 8));
                toggles.incrementAndGet();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        churn.start();
        String script = "for i in $(seq 50); do n=$((i % 20)); v=$(cat " + m + "/stable/f$n) || exit 1; "
                + "[ \"$v\" = \"value $n\" ] || { echo \"bad: $v\"; exit 1; }; ls " + m + "/churn > /dev/null || exit 1; "
                + "cat " + m + "/churn/dev$((i % 8)) > /dev/null 2>&1; done; echo ok";
        List<CompletableFuture<Host.Result>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return Host.sh(T, script);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        try {
            for (CompletableFuture<Host.Result> c : clients) {
                assertThat(c.get().ok().out()).isEqualTo("ok\n");
            }
        } finally {
            stop.set(true);
            churn.join();
        }
        assertThat(toggles.get()).isPositive();
        assertThat(mount.stats().requests()).isGreaterThan(4 * 50 * 4);
    }

    /** A file whose reads block until the caller is interrupted, then fail with EINTR. */
    private static final class SlowFs implements FuseFileSystem {
        final AtomicBoolean sawInterrupt = new AtomicBoolean();

        @Override
        public FileAttr getattr(Caller caller, String path) {
            if (path.equals("/")) {
                return FileAttr.directory(0755, 0);
            }
            if (path.equals("/slow")) {
                return FileAttr.file(0444, 4096, 0);
            }
            throw new FsException(Errno.ENOENT);
        }

        @Override
        public List<DirEntry> readdir(Caller caller, String path) {
            return List.of(new DirEntry("slow", FileAttr.S_IFREG));
        }

        @Override
        public OpenFile open(Caller caller, String path, int flags) {
            return (c, offset, dst) -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline) {
                    if (c.interrupted()) {
                        sawInterrupt.set(true);
                        throw new FsException(Errno.EINTR);
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                dst.put(ByteBuffer.wrap("late\n".getBytes(StandardCharsets.UTF_8)));
                return 5;
            };
        }
    }

    @Test
    void aSignalToTheCallerInterruptsABlockedRequest() throws Exception {
        Host.assumeTool("timeout");
        SlowFs fs = new SlowFs();
        mount = FuseMount.mount(Files.createDirectory(dir.resolve("mnt")), fs);
        long start = System.nanoTime();
        Host.Result r = Host.run(T, "timeout", "-s", "INT", "1", "cat", mount.mountPoint().resolve("slow").toString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(fs.sawInterrupt).as("FUSE_INTERRUPT reached the file system").isTrue();
        assertThat(r.exit()).as("timeout's status for a command it had to stop").isEqualTo(124);
        assertThat(took).as("the read ended with the signal, not after 20 s").isLessThan(Duration.ofSeconds(10));
    }
}
