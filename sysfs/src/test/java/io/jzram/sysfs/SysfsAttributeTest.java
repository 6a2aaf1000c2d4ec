// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.sysfs;

import static io.jzram.sysfs.MachineFileApiTest.errnoOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.module.KernelOops;
import io.jzram.kernel.module.Module;
import io.jzram.kernel.module.ModuleLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sysfs semantics on top of kernfs: show/store wrappers, groups, is_visible, owners. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SysfsAttributeTest {

    private Machine m;
    private Sysfs sysfs;
    private KObject dir;
    private long marker;

    @BeforeEach
    void boot() {
        m = Machine.builder().cpus(2).build();
        sysfs = m.sysfs();
        dir = sysfs.createDir(m.driverCore().virtualDir(), "t");
        marker = m.kernel().log().marker();
    }

    @AfterEach
    void shutdown() {
        m.close();
    }

    @Test
    void showAndStoreWrappers() {
        List<String> stores = new CopyOnWriteArrayList<>();
        Attribute<String> big = Attribute.ro("big", (o, buf) -> buf.snprintf(0, "b".repeat(5000)));
        Attribute<String> neg = Attribute.ro("neg", (o, buf) -> Errno.EBUSY.negative());
        Attribute<String> noShow = Attribute.of("no_show", 0644, null, (o, buf) -> buf.count());
        Attribute<String> val = Attribute.rw("val", (o, buf) -> buf.emit(o + "\n"), (o, buf) -> {
            stores.add(buf.text());
            return buf.count();
        });
        Attribute<String> failing = Attribute.wo("failing", (o, buf) -> {
            throw new ErrnoException(Errno.EINVAL, "no");
        });
        sysfs.createGroup(dir, AttributeGroup.of(big, neg, noShow, val, failing), "obj");
        String p = "/sys/devices/virtual/t/";
        assertThat(m.cat(p + "big")).hasSize(4095);
        assertThat(m.kernel().log().dmesgSince(marker)).contains("fill_read_buffer: big_show returned bad count")
                .contains("dev_attr_show: big_show returned bad count");
        assertThat(errnoOf(() -> m.cat(p + "neg"))).isEqualTo(Errno.EBUSY);
        assertThat(errnoOf(() -> m.cat(p + "no_show"))).isEqualTo(Errno.EIO);
        assertThat(m.cat(p + "val")).isEqualTo("obj\n");
        assertThat(m.write(p + "val", new byte[0])).isZero();
        assertThat(stores).isEmpty();
        m.writeString(p + "val", "1");
        m.writeString(p + "val", "2");
        assertThat(stores).containsExactly("1", "2");
        m.writeString(p + "val", "x".repeat(5000));
        assertThat(stores).hasSize(4);
        assertThat(stores.get(2)).hasSize(4096);
        assertThat(stores.get(3)).hasSize(904);
        assertThat(errnoOf(() -> m.writeString(p + "failing", "1"))).isEqualTo(Errno.EINVAL);
        assertThat(m.stat(p + "val").size()).isEqualTo(4096);
        assertThat(m.stat(p + "failing").modeString()).isEqualTo("--w-------");
        assertThat(m.kernel().log().scan(marker).clean()).isTrue();
    }

    @Test
    void groupsVisibilityModesAndRollback() {
        Attribute<String> a = Attribute.rw("a", (o, b) -> b.emit("a\n"), (o, b) -> b.count());
        Attribute<String> hidden = Attribute.ro("hidden", (o, b) -> b.emit("h\n"));
        Attribute<String> adminOnly = Attribute.ro("admin", (o, b) -> b.emit("x\n"));
        AttributeGroup<String> g = AttributeGroup.<String>builder().name("grp").add(a).add(hidden).add(adminOnly)
                .isVisible((o, attr, i) -> attr == hidden ? 0 : attr == adminOnly ? 0400 : attr.mode()).build();
        sysfs.createGroup(dir, g, "o");
        assertThat(m.ls("/sys/devices/virtual/t/grp")).containsExactly("a", "admin");
        assertThat(m.stat("/sys/devices/virtual/t/grp/admin").modeString()).isEqualTo("-r--------");
        // 0666 is WARNed about and cut to 0664
        Attribute<String> worldWritable = Attribute.of("ww", 0666, (o, b) -> b.emit("w\n"), (o, b) -> b.count());
        sysfs.createGroup(dir, AttributeGroup.of(worldWritable), "o");
        assertThat(m.stat("/sys/devices/virtual/t/ww").mode()).isEqualTo(0664);
        assertThat(m.kernel().log().scan(marker).count(SplatKind.WARNING)).isEqualTo(1);
        assertThat(m.kernel().log().dmesgSince(marker)).contains("Attribute ww: Invalid permissions 0666");
        long afterWarn = m.kernel().log().marker();
        // a duplicate fails the group, which takes back the files it had made
        Attribute<String> fresh = Attribute.ro("fresh", (o, b) -> b.emit("f\n"));
        Attribute<String> dupOfA = Attribute.ro("ww", (o, b) -> b.emit("d\n"));
        try {
            sysfs.createGroup(dir, AttributeGroup.of(fresh, dupOfA), "o");
            throw new AssertionError("duplicate accepted");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.EEXIST);
        }
        assertThat(m.ls("/sys/devices/virtual/t")).containsExactly("grp", "ww");
        assertThat(m.kernel().log().dmesgSince(afterWarn)).contains("sysfs: cannot create duplicate filename '/devices/virtual/t/ww'");
        sysfs.removeGroup(dir, g);
        assertThat(m.ls("/sys/devices/virtual/t")).containsExactly("ww");
    }

    @Test
    void attributeGroupsPatternCarriesTheOwnerToEveryFile() {
        AtomicInteger calls = new AtomicInteger();
        Module[] self = new Module[1];
        m.modules().register("owner_test", Set.of(), mod -> new ModuleLoader.ModuleCode() {
            @Override
            public void init() {
                self[0] = mod;
                List<AttributeGroup<String>> groups = AttributeGroup.attributeGroups(mod,
                        List.of(Attribute.rw("x", (o, b) -> b.emit("x\n"), (o, b) -> {
                            calls.incrementAndGet();
                            return b.count();
                        })));
                sysfs.createGroups(dir, groups, "o");
            }

            @Override
            public void exit() {
                // a buggy exit that leaves its file behind
            }
        });
        m.modules().load("owner_test", Map.of());
        assertThat(m.kernfs().lookup(dir.directory(), "x").owner()).isSameAs(self[0]);
        m.writeString("/sys/devices/virtual/t/x", "1");
        m.rmmod("owner_test");
        // the file outlived its module: calling into it oopses instead of running freed code
        try {
            m.writeString("/sys/devices/virtual/t/x", "1");
            throw new AssertionError("store ran in an unloaded module");
        } catch (KernelOops expected) {
            assertThat(expected.getMessage()).contains("x_store").contains("owner_test");
        }
        assertThat(calls.get()).isEqualTo(1);
        assertThat(m.kernel().log().scan(marker).count(SplatKind.BUG)).isEqualTo(1);
    }

    @Test
    void storeBufferViews() {
        byte[] raw = "12\0junk".getBytes(StandardCharsets.ISO_8859_1);
        StoreBuffer b = new StoreBuffer(java.util.Arrays.copyOf(raw, raw.length + 1), raw.length);
        assertThat(b.count()).isEqualTo(7);
        assertThat(b.cString()).isEqualTo("12");
        assertThat(b.text()).isEqualTo("12\0junk");
        assertThat(b.byteAt(7)).isZero();
        assertThat(StoreBuffer.of("abc").count()).isEqualTo(3);
    }
}
