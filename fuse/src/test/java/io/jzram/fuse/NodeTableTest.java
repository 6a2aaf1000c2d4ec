// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node id bookkeeping, without a kernel. */
class NodeTableTest {
    private final NodeTable t = new NodeTable();

    @Test
    void aPathKeepsItsNodeWhileItsTypeStays() {
        NodeTable.Node a = t.node("/a", FileAttr.S_IFREG, 1);
        assertThat(a.id).isEqualTo(2);
        assertThat(t.node("/a", FileAttr.S_IFREG, 1)).isSameAs(a);
        assertThat(a.lookups).isEqualTo(2);
        assertThat(t.get(1).path).isEqualTo("/");
        assertThat(t.peek("/a")).isEqualTo(a.id);
    }

    @Test
    void anotherTypeAtThePathGetsANewNodeAndTheOldOneLivesUntilForgotten() {
        NodeTable.Node file = t.node("/x", FileAttr.S_IFREG, 1);
        NodeTable.Node dir = t.node("/x", FileAttr.S_IFDIR, 1);
        assertThat(dir.id).isNotEqualTo(file.id);
        assertThat(t.get(file.id)).as("the kernel still holds the old node").isSameAs(file);
        t.forget(file.id, 1);
        assertThat(t.get(file.id)).isNull();
        assertThat(t.get(dir.id)).isSameAs(dir);
    }

    @Test
    void aGonePathIsDroppedOnceForgotten() {
        NodeTable.Node a = t.node("/a", FileAttr.S_IFREG, 1);
        t.gone("/a");
        assertThat(t.peek("/a")).isZero();
        assertThat(t.get(a.id)).isSameAs(a);
        NodeTable.Node again = t.node("/a", FileAttr.S_IFREG, 1);
        assertThat(again.id).as("a file that reappears is a new inode").isNotEqualTo(a.id);
        t.forget(a.id, 1);
        assertThat(t.get(a.id)).isNull();
        assertThat(t.size()).isEqualTo(2); // root and the new /a
    }

    @Test
    void forgottenCurrentNodesStayForStableInodeNumbersButRootIsNeverForgotten() {
        NodeTable.Node a = t.node("/a", FileAttr.S_IFREG, 3);
        t.forget(a.id, 5);
        assertThat(a.lookups).isZero();
        assertThat(t.get(a.id)).isSameAs(a);
        t.forget(1, 10);
        t.gone("/");
        assertThat(t.get(1)).isNotNull();
    }

    @Test
    void pathsJoinAndSplit() {
        assertThat(FuseServer.child("/", "a")).isEqualTo("/a");
        assertThat(FuseServer.child("/a", "b")).isEqualTo("/a/b");
        assertThat(FuseServer.child("/a/b", "..")).isEqualTo("/a");
        assertThat(FuseServer.child("/a", ".")).isEqualTo("/a");
        assertThat(FuseServer.parent("/a")).isEqualTo("/");
        assertThat(FuseServer.parent("/")).isEqualTo("/");
    }
}
