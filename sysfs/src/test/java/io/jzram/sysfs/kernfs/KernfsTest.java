// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs.kernfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** kernfs itself: modes, the show page, one store per write, read semantics, the tree. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KernfsTest {

    private Kernel kernel;
    private KernfsRoot root;
    private KernfsNode dir;
    private long marker;

    @BeforeEach
    void boot() {
        kernel = Kernel.boot();
        root = new KernfsRoot(kernel, "test", true, new Random(1));
        dir = root.createDir(root.root(), "dev", 0755, null, null);
        marker = kernel.log().marker();
    }

    @AfterEach
    void shutdown() {
        kernel.close();
    }

    private KernfsNode file(String name, int mode, KernfsOps ops) {
        return root.createFile(dir, name, mode, PageBuffer.PAGE_SIZE, ops, null, null, null);
    }

    private static String readAll(KernfsOpenFile of, int chunk) {
        StringBuilder sb = new StringBuilder();
        byte[] b = new byte[chunk];
        int n;
        while ((n = of.read(b, 0, b.length)) > 0) {
            sb.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("no error");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void modesAreEnforcedForEveryone() {
        FnOps ops = FnOps.text("v\n");
        KernfsNode wo = file("wo", 0200, ops);
        KernfsNode ro = file("ro", 0444, ops);
        KernfsNode rw = file("rw", 0644, ops);
        KernfsNode none = file("none", 0, ops);
        KernfsNode adminRo = file("admin_ro", 0400, ops);
        assertThat(errnoOf(() -> KernfsOpenFile.open(wo, true, false))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> KernfsOpenFile.open(ro, false, true))).isEqualTo(Errno.EACCES);
        KernfsOpenFile.open(rw, true, true).close();
        assertThat(errnoOf(() -> KernfsOpenFile.open(none, true, false))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> KernfsOpenFile.open(none, false, true))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> KernfsOpenFile.open(adminRo, false, true))).isEqualTo(Errno.EACCES);
        try (KernfsOpenFile of = KernfsOpenFile.open(adminRo, true, false)) {
            assertThat(readAll(of, 64)).isEqualTo("v\n");
        }
        // a write-only file (mode allows write, no read op) and an op-less side
        KernfsNode storeOnly = file("store_only", 0644, new FnOps(null, s -> s.length()));
        assertThat(errnoOf(() -> KernfsOpenFile.open(storeOnly, true, false))).isEqualTo(Errno.EACCES);
        assertThat(errnoOf(() -> KernfsOpenFile.open(dir, true, false))).isEqualTo(Errno.EISDIR);
    }

    @Test
    void showFillsOnePageAndBadCountsAreCut() {
        String big = "x".repeat(5000);
        KernfsNode emit = file("emit", 0444, new FnOps((of, page) -> page.emit(big), null));
        KernfsNode snprintf = file("snprintf", 0444, new FnOps((of, page) -> page.snprintf(0, big), null));
        KernfsNode exact = file("exact", 0444, new FnOps((of, page) -> {
            byte[] b = new byte[PageBuffer.PAGE_SIZE];
            Arrays.fill(b, (byte) 'y');
            return page.put(0, b, 0, b.length);
        }, null));
        try (KernfsOpenFile of = KernfsOpenFile.open(emit, true, false)) {
            assertThat(readAll(of, 1000)).hasSize(PageBuffer.PAGE_SIZE - 1);
        }
        // kernfs hands the page back; the sysfs layer is what cuts bad counts (tested there too)
        try (KernfsOpenFile of = KernfsOpenFile.open(exact, true, false)) {
            assertThat(readAll(of, 4096)).hasSize(PageBuffer.PAGE_SIZE);
        }
        assertThatThrownBy(() -> {
            try (KernfsOpenFile of = KernfsOpenFile.open(snprintf, true, false)) {
                readAll(of, 100);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("committed 5000 bytes");
        PageBuffer page = PageBuffer.standalone(kernel.log());
        assertThat(page.emitAt(PageBuffer.PAGE_SIZE, "z")).isZero();
        assertThat(kernel.log().dmesgSince(marker)).contains("invalid sysfs_emit_at");
    }

    @Test
    void eachWriteIsExactlyOneStoreWithExactlyThoseBytes() {
        FnOps ops = new FnOps((of, page) -> page.emit("0\n"), s -> s.length());
        KernfsNode f = file("value", 0644, ops);
        try (KernfsOpenFile of = KernfsOpenFile.open(f, false, true)) {
            assertThat(of.write(bytes("1"), 0, 1)).isEqualTo(1);
            assertThat(of.write(bytes("2\n"), 0, 2)).isEqualTo(2);
            byte[] big = new byte[5000];
            Arrays.fill(big, (byte) 'a');
            assertThat(of.write(big, 0, big.length)).isEqualTo(PageBuffer.PAGE_SIZE);
            assertThat(of.write(big, 0, 0)).isZero();
            assertThat(of.position()).isEqualTo(1 + 2 + 4096);
        }
        assertThat(ops.stores).hasSize(4);
        assertThat(ops.stores.get(0)).isEqualTo("1");
        assertThat(ops.stores.get(1)).isEqualTo("2\n");
        assertThat(ops.stores.get(2)).hasSize(PageBuffer.PAGE_SIZE);
        assertThat(ops.stores.get(3)).isEmpty();
        assertThat(ops.terminators).containsOnly((byte) 0);
    }

    @Test
    void showRunsOncePerOpenAndAgainAfterSeekToZero() {
        int[] value = {41};
        FnOps ops = new FnOps((of, page) -> page.emit(++value[0] + "\n"), null);
        KernfsNode f = file("counter", 0444, ops);
        try (KernfsOpenFile of = KernfsOpenFile.open(f, true, false)) {
            assertThat(readAll(of, 1)).isEqualTo("42\n");
            assertThat(ops.shows).isEqualTo(1);
            assertThat(readAll(of, 10)).isEmpty();
            assertThat(ops.shows).isEqualTo(1);
            of.seek(0);
            assertThat(readAll(of, 10)).isEqualTo("43\n");
            of.seek(1);
            assertThat(readAll(of, 10)).isEqualTo("4\n");
            assertThat(ops.shows).isEqualTo(3);
        }
    }

    @Test
    void removedNodesAnswerEnodevOnOpenFilesAndVanishFromLookups() {
        FnOps ops = FnOps.text("v\n");
        KernfsNode f = file("gone", 0644, ops);
        KernfsOpenFile of = KernfsOpenFile.open(f, true, true);
        root.remove(f);
        assertThat(root.lookup(dir, "gone")).isNull();
        assertThat(root.find(dir, "gone")).isNull();
        assertThat(f.isRemoved()).isTrue();
        assertThat(errnoOf(() -> of.write(bytes("1"), 0, 1))).isEqualTo(Errno.ENODEV);
        assertThat(errnoOf(() -> of.read(new byte[10], 0, 10))).isEqualTo(Errno.ENODEV);
        assertThat(errnoOf(() -> KernfsOpenFile.open(f, true, false))).isEqualTo(Errno.ENODEV);
        of.close();
        assertThat(ops.stores).isEmpty();
        assertThat(errnoOf(() -> root.removeByName(dir, "gone"))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void treeOperations() {
        KernfsNode a = root.createDir(dir, "a", 0755, null, null);
        KernfsNode b = root.createDir(a, "b", 0755, null, null);
        KernfsNode f = file("z", 0444, FnOps.text("z\n"));
        KernfsNode link = root.createLink(b, "to_z", f);
        assertThat(root.linkTargetPath(link)).isEqualTo("../../z");
        assertThat(link.mode()).isEqualTo(0777);
        assertThat(errnoOf(() -> root.createDir(dir, "a", 0755, null, null))).isEqualTo(Errno.EEXIST);
        assertThat(errnoOf(() -> root.createDir(f, "x", 0755, null, null))).isEqualTo(Errno.ENOTDIR);
        assertThat(errnoOf(() -> root.createDir(dir, "a/b", 0755, null, null))).isEqualTo(Errno.EINVAL);
        assertThat(root.list(dir)).extracting(KernfsNode::name).containsExactly("a", "z");
        assertThat(b.path()).isEqualTo("/dev/a/b");
        root.remove(a);
        assertThat(b.isRemoved()).isTrue();
        assertThat(link.isRemoved()).isTrue();
        assertThat(errnoOf(() -> root.createDir(b, "c", 0755, null, null))).isEqualTo(Errno.ENOENT);
        assertThat(root.list(dir)).extracting(KernfsNode::name).containsExactly("z");
        assertThat(kernel.log().scan(marker).clean()).isTrue();
    }
}
