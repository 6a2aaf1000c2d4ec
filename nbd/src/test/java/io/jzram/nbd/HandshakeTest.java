// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jzram.kernel.ErrnoIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class HandshakeTest {
    @TempDir
    Path dir;
    TestServer ts;

    @BeforeEach
    void start() throws IOException {
        ts = new TestServer(dir);
    }

    @AfterEach
    void stop() {
        ts.close();
    }

    private NbdTestClient negotiating(int clientFlags) throws IOException {
        NbdTestClient c = NbdTestClient.connect(ts.address());
        c.greeting();
        c.clientFlags(clientFlags);
        return c;
    }

    @Test
    void greetingAdvertisesFixedNewstyleAndNoZeroes() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(ts.address())) {
            assertThat(c.greeting()).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        }
    }

    @Test
    void exportNameWithAndWithoutZeroes() throws IOException {
        for (boolean noZeroes : new boolean[] {false, true}) {
            try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | (noZeroes ? FLAG_C_NO_ZEROES : 0))) {
                c.sendOption(OPT_EXPORT_NAME, "mem0".getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = c.read(noZeroes ? 10 : 134);
                assertThat(b.getLong()).isEqualTo(TestServer.SIZE);
                int flags = Short.toUnsignedInt(b.getShort());
                assertThat(flags & FLAG_HAS_FLAGS).isNotZero();
                while (b.hasRemaining()) {
                    assertThat(b.get()).isZero();
                }
                // transmission works right after
                c.writeData(4096, new byte[] {1, 2, 3}, 0);
                assertThat(c.readData(4096, 3)).containsExactly(1, 2, 3);
            }
        }
    }

    @Test
    void exportNameOfUnknownExportClosesTheSession() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            c.sendOption(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void exportNameThatIsNotUtf8ClosesTheSession() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            c.sendOption(OPT_EXPORT_NAME, new byte[] {(byte) 0xff, (byte) 0xfe});
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void goOfUnknownExportIsErrUnknownWithMessageAndNegotiationContinues() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            NbdTestClient.OptionReply r = NbdTestClient.last(c.option(OPT_GO, NbdTestClient.infoData("nope")));
            assertThat(r.type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(r.text()).contains("nope");
            assertThat(c.go("mem0").size).isEqualTo(TestServer.SIZE);
        }
    }

    @Test
    void infoReportsExportNameDescriptionAndBlockSizes() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            List<NbdTestClient.OptionReply> replies = c.option(OPT_INFO,
                    NbdTestClient.infoData("mem0", INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE));
            c.expectAck(replies);
            NbdTestClient.ExportInfo info = NbdTestClient.parseInfo(replies);
            assertThat(info.size).isEqualTo(TestServer.SIZE);
            assertThat(info.name).isEqualTo("mem0");
            assertThat(info.description).isEqualTo("in-memory test device");
            assertThat(info.minimum).isEqualTo(1);
            assertThat(info.preferred).isEqualTo(4096);
            assertThat(info.maximum).isEqualTo(32 << 20);
            int expected = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES
                    | FLAG_CAN_MULTI_CONN | FLAG_SEND_CACHE | FLAG_SEND_FAST_ZERO;
            assertThat(info.flags).isEqualTo(expected);
            // with structured replies, DF is advertised too
            c.expectAck(c.option(OPT_STRUCTURED_REPLY, new byte[0]));
            NbdTestClient.ExportInfo go = c.go("mem0");
            assertThat(go.flags).isEqualTo(expected | FLAG_SEND_DF);
        }
    }

    @Test
    void listShowsEveryExportAndRejectsData() throws IOException {
        ts.registry.add(new Export("mem1", "second", new MemoryBlockDevice("mem1", 1 << 20), true));
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            List<NbdTestClient.OptionReply> replies = c.option(OPT_LIST, new byte[0]);
            c.expectAck(replies);
            List<String> names = replies.stream().filter(r -> r.type() == REP_SERVER).map(r -> {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                byte[] n = new byte[b.getInt()];
                b.get(n);
                return new String(n, StandardCharsets.UTF_8) + "|" + StandardCharsets.UTF_8.decode(b);
            }).collect(Collectors.toList());
            assertThat(names).containsExactly("mem0|in-memory test device", "mem1|second");
            assertThat(NbdTestClient.last(c.option(OPT_LIST, new byte[] {1})).type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void abortIsAcknowledgedAndTheSessionEnds() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            assertThat(NbdTestClient.last(c.option(OPT_ABORT, new byte[0])).type()).isEqualTo(REP_ACK);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void structuredReplyOptionTakesNoData() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            assertThat(NbdTestClient.last(c.option(OPT_STRUCTURED_REPLY, new byte[] {0})).type()).isEqualTo(REP_ERR_INVALID);
            assertThat(NbdTestClient.last(c.option(OPT_STRUCTURED_REPLY, new byte[0])).type()).isEqualTo(REP_ACK);
        }
    }

    @Test
    void metaContextsListAndSelectBaseAllocation() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            // SET before structured replies is invalid
            assertThat(NbdTestClient.last(c.option(OPT_SET_META_CONTEXT,
                    NbdTestClient.metaData("mem0", CONTEXT_BASE_ALLOCATION))).type()).isEqualTo(REP_ERR_INVALID);
            c.expectAck(c.option(OPT_STRUCTURED_REPLY, new byte[0]));
            for (String[] q : new String[][] {{}, {"base:"}, {CONTEXT_BASE_ALLOCATION}, {"qemu:dirty-bitmap:x", "base:allocation"}}) {
                List<NbdTestClient.OptionReply> replies = c.option(OPT_LIST_META_CONTEXT, NbdTestClient.metaData("mem0", q));
                c.expectAck(replies);
                assertThat(replies).hasSize(2);
                assertThat(new String(replies.get(0).data(), 4, replies.get(0).data().length - 4, StandardCharsets.UTF_8))
                        .isEqualTo(CONTEXT_BASE_ALLOCATION);
            }
            List<NbdTestClient.OptionReply> none = c.option(OPT_LIST_META_CONTEXT, NbdTestClient.metaData("mem0", "x-foo:bar"));
            assertThat(none).hasSize(1);
            assertThat(none.get(0).type()).isEqualTo(REP_ACK);
            // "base:" selects nothing in SET
            List<NbdTestClient.OptionReply> set = c.option(OPT_SET_META_CONTEXT, NbdTestClient.metaData("mem0", "base:"));
            assertThat(set).hasSize(1);
            assertThat(c.setMetaContext("mem0", CONTEXT_BASE_ALLOCATION)).isNotZero();
            // malformed: query length beyond the data
            byte[] bad = NbdTestClient.metaData("mem0", "base:allocation");
            ByteBuffer.wrap(bad).putInt(12, 1000);
            assertThat(NbdTestClient.last(c.option(OPT_SET_META_CONTEXT, bad)).type()).isEqualTo(REP_ERR_INVALID);
            assertThat(NbdTestClient.last(c.option(OPT_SET_META_CONTEXT,
                    NbdTestClient.metaData("nope", CONTEXT_BASE_ALLOCATION))).type()).isEqualTo(REP_ERR_UNKNOWN);
        }
    }

    @Test
    void unsupportedOptionsAreErrUnsupAndNegotiationContinues() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            for (int opt : new int[] {OPT_PEEK_EXPORT, OPT_STARTTLS, OPT_EXTENDED_HEADERS, 12, 0x7fff, -1}) {
                NbdTestClient.OptionReply r = NbdTestClient.last(c.option(opt, new byte[] {1, 2, 3, 4, 5}));
                assertThat(r.type()).as("option %d", opt).isEqualTo(REP_ERR_UNSUP);
                assertThat(r.text()).isNotEmpty();
            }
            assertThat(c.go("mem0").size).isEqualTo(TestServer.SIZE);
        }
    }

    @Test
    void malformedGoIsInvalid() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            byte[] d = NbdTestClient.infoData("mem0", INFO_NAME);
            ByteBuffer.wrap(d).putInt(0, 100); // name length beyond data
            assertThat(NbdTestClient.last(c.option(OPT_GO, d)).type()).isEqualTo(REP_ERR_INVALID);
            byte[] e = NbdTestClient.infoData("mem0", INFO_NAME);
            ByteBuffer.wrap(e).putShort(8, (short) 5); // request count mismatch
            assertThat(NbdTestClient.last(c.option(OPT_GO, e)).type()).isEqualTo(REP_ERR_INVALID);
            assertThat(NbdTestClient.last(c.option(OPT_INFO, new byte[3])).type()).isEqualTo(REP_ERR_INVALID);
            byte[] utf = NbdTestClient.infoData("\u00e9");
            utf[4] = (byte) 0xff; // not UTF-8
            assertThat(NbdTestClient.last(c.option(OPT_GO, utf)).type()).isEqualTo(REP_ERR_INVALID);
            assertThat(c.go("mem0").size).isEqualTo(TestServer.SIZE);
        }
    }

    @Test
    void protocolViolationsCloseTheSession() throws IOException {
        try (NbdTestClient c = negotiating(1 << 5)) { // unknown client flag
            assertThat(c.closedByServer()).isTrue();
        }
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            c.send(ByteBuffer.allocate(16).putLong(0x1234).putInt(OPT_GO).putInt(0).flip());
            assertThat(c.closedByServer()).isTrue();
        }
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE)) {
            c.send(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(OPT_GO).putInt(-1).flip());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void resetOrRemovedDevicesRefuseNewConnectionsWithAMessage() throws Exception {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            ts.device.beginReset();
            NbdTestClient.OptionReply busy = NbdTestClient.last(c.option(OPT_GO, NbdTestClient.infoData("mem0")));
            assertThat(busy.type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(busy.text()).contains("mem0").contains("EBUSY").contains("reset");
            ts.device.endReset();
            ts.device.reset();
            for (int opt : new int[] {OPT_INFO, OPT_GO}) {
                NbdTestClient.OptionReply r = NbdTestClient.last(c.option(opt, NbdTestClient.infoData("mem0")));
                assertThat(r.type()).isEqualTo(REP_ERR_UNKNOWN);
                assertThat(r.text()).contains("mem0 is not available").contains("not initialised");
            }
            ts.registry.remove("mem0");
            NbdTestClient.OptionReply gone = NbdTestClient.last(c.option(OPT_GO, NbdTestClient.infoData("mem0")));
            assertThat(gone.type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(gone.text()).contains("no export named 'mem0'");
            // a device created later appears
            MemoryBlockDevice later = new MemoryBlockDevice("mem7", 1 << 20);
            ts.registry.add(Export.of(later));
            assertThat(c.go("mem7").size).isEqualTo(1 << 20);
            assertThat(later.openers()).isEqualTo(1);
        }
    }

    @Test
    void aConnectedDeviceCannotBeResetUntilTheClientLeaves() throws Exception {
        NbdTestClient c = ts.client(false);
        assertThatThrownBy(ts.device::reset).isInstanceOf(ErrnoIOException.class).hasMessageContaining("EBUSY");
        c.disconnect();
        assertThat(c.closedByServer()).isTrue();
        c.close();
        assertThat(ts.device.awaitClosed(5000)).isTrue();
        ts.device.reset();
        assertThat(ts.device.capacity()).isZero();
    }

    @Test
    void defaultExport() throws IOException {
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            NbdTestClient.OptionReply r = NbdTestClient.last(c.option(OPT_GO, NbdTestClient.infoData("")));
            assertThat(r.type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(r.text()).contains("no default export").contains("mem0");
            ts.registry.defaultExport("mem0");
            NbdTestClient.ExportInfo info = c.go("", INFO_NAME);
            assertThat(info.name).isEqualTo("mem0");
        }
    }

    @Test
    void blockStatusNeedsTheContextSelectedForTheSameExport() throws IOException {
        ts.registry.add(Export.of(new MemoryBlockDevice("mem1", 1 << 20)));
        try (NbdTestClient c = negotiating(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) {
            c.expectAck(c.option(OPT_STRUCTURED_REPLY, new byte[0]));
            c.setMetaContext("mem1", CONTEXT_BASE_ALLOCATION);
            c.go("mem0");
            NbdTestClient.Reply r = c.call(0, CMD_BLOCK_STATUS, 0, 4096, null);
            assertThat(r.error).isEqualTo(NbdError.EINVAL.code());
            assertThat(r.message).contains("base:allocation");
        }
    }
}
