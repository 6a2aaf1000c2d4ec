// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.nbd;

import static io.jzram.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jzram.kernel.block.BlockDevice.BlockState;
import io.jzram.kernel.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(20)
class CommandTest {
    private static final int PAGE = 4096;

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

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] device(MemoryBlockDevice d, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        d.read(offset, b);
        return b.array();
    }

    @ParameterizedTest(name = "structured={0}")
    @ValueSource(booleans = {false, true})
    void writeThenReadAlignedAndUnaligned(boolean structured) throws IOException {
        try (NbdTestClient c = ts.client(structured)) {
            long[][] cases = {{0, PAGE}, {PAGE * 3L + 1, 1}, {PAGE - 6, 5000}, {TestServer.SIZE - 100, 100}, {12345, 3 * PAGE + 17}};
            for (long[] k : cases) {
                byte[] data = random((int) k[1], k[0]);
                c.writeData(k[0], data, 0);
                assertThat(c.readData(k[0], (int) k[1])).isEqualTo(data);
                assertThat(device(ts.device, k[0], (int) k[1])).isEqualTo(data);
            }
            // 32 MiB in one request (the maximum payload)
            byte[] big = random(32 << 20, 7);
            c.writeData(0, big, CMD_FLAG_FUA);
            assertThat(Arrays.equals(c.readData(0, 32 << 20), big)).isTrue();
        }
    }

    @ParameterizedTest(name = "structured={0}")
    @ValueSource(booleans = {false, true})
    void zeroLengthRequestsSucceed(boolean structured) throws IOException {
        try (NbdTestClient c = ts.client(structured)) {
            assertThat(c.readData(100, 0)).isEmpty();
            c.writeData(100, new byte[0], 0);
            assertThat(c.call(0, CMD_TRIM, 100, 0, null).error).isZero();
            assertThat(c.call(0, CMD_WRITE_ZEROES, 100, 0, null).error).isZero();
            assertThat(c.call(0, CMD_CACHE, 100, 0, null).error).isZero();
        }
    }

    @Test
    void structuredReadSendsZeroPagesAsHoles() throws IOException {
        try (NbdTestClient c = ts.client(true)) {
            byte[] data = random(PAGE, 1);
            c.writeData(PAGE, data, 0);
            NbdTestClient.Reply r = c.call(0, CMD_READ, 0, 4 * PAGE, null);
            assertThat(r.error).isZero();
            assertThat(r.chunkTypes).extracting(t -> t[0] + "@" + t[1] + "+" + t[2])
                    .containsExactly(REPLY_TYPE_OFFSET_HOLE + "@0+4096", REPLY_TYPE_OFFSET_DATA + "@4096+4096",
                            REPLY_TYPE_OFFSET_HOLE + "@8192+8192");
            assertThat(Arrays.copyOfRange(r.data, PAGE, 2 * PAGE)).isEqualTo(data);
            // unaligned read: partial pages are data, whole zero pages holes
            NbdTestClient.Reply u = c.call(0, CMD_READ, 100, 3 * PAGE, null);
            assertThat(u.chunkTypes).extracting(t -> t[0] + "@" + t[1] + "+" + t[2]).containsExactly(
                    REPLY_TYPE_OFFSET_DATA + "@0+8092", REPLY_TYPE_OFFSET_HOLE + "@8092+4096", REPLY_TYPE_OFFSET_DATA + "@12188+100");
            assertThat(Arrays.copyOfRange(u.data, PAGE - 100, 2 * PAGE - 100)).isEqualTo(data);
            // DF: one data chunk with the zeros in it
            NbdTestClient.Reply df = c.call(CMD_FLAG_DF, CMD_READ, 0, 4 * PAGE, null);
            assertThat(df.chunkTypes).hasSize(1);
            assertThat(df.chunkTypes.get(0)[0]).isEqualTo(REPLY_TYPE_OFFSET_DATA);
            assertThat(Arrays.copyOfRange(df.data, PAGE, 2 * PAGE)).isEqualTo(data);
        }
        try (NbdTestClient c = ts.client(false)) {
            assertThat(c.call(CMD_FLAG_DF, CMD_READ, 0, PAGE, null).error).isEqualTo(NbdError.EINVAL.code());
        }
    }

    @Test
    void flushAndFuaReachTheDevice() throws IOException {
        try (NbdTestClient c = ts.client(false)) {
            long before = ts.device.flushes();
            assertThat(c.call(0, CMD_FLUSH, 0, 0, null).error).isZero();
            c.writeData(0, new byte[10], CMD_FLAG_FUA);
            assertThat(c.call(CMD_FLAG_FUA, CMD_TRIM, 0, PAGE, null).error).isZero();
            assertThat(c.call(CMD_FLAG_FUA, CMD_WRITE_ZEROES, 0, PAGE, null).error).isZero();
            assertThat(ts.device.flushes()).isEqualTo(before + 4);
            // FUA is accepted on a read too
            assertThat(c.call(CMD_FLAG_FUA, CMD_READ, 0, 10, null).error).isZero();
        }
    }

    @Test
    void trimDeallocatesWholePagesOnly() throws IOException {
        try (NbdTestClient c = ts.client(true)) {
            c.writeData(0, random(3 * PAGE, 3), 0);
            assertThat(c.call(0, CMD_TRIM, 100, 2 * PAGE, null).error).isZero();
            assertThat(ts.device.blockState(0)).isEqualTo(BlockState.DATA);
            assertThat(ts.device.blockState(PAGE)).isEqualTo(BlockState.HOLE);
            assertThat(ts.device.blockState(2 * PAGE)).isEqualTo(BlockState.DATA);
            assertThat(c.readData(PAGE, PAGE)).isEqualTo(new byte[PAGE]);
        }
    }

    @Test
    void writeZeroesWithAndWithoutHolesAndFastZero() throws IOException {
        try (NbdTestClient c = ts.client(true)) {
            c.writeData(0, random(8 * PAGE, 4), 0);
            // plain: whole pages deallocated, partial ones zero-filled
            assertThat(c.call(0, CMD_WRITE_ZEROES, 10, 2 * PAGE, null).error).isZero();
            assertThat(ts.device.blockState(PAGE)).isEqualTo(BlockState.HOLE);
            assertThat(c.readData(0, 2 * PAGE + 20)).startsWith(Arrays.copyOf(device(ts.device, 0, 10), 10));
            assertThat(Arrays.copyOfRange(c.readData(0, 2 * PAGE + 10), 10, 2 * PAGE + 10)).isEqualTo(new byte[2 * PAGE]);
            // NO_HOLE: stays allocated (a stored zero page)
            assertThat(c.call(CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 3 * PAGE, PAGE, null).error).isZero();
            assertThat(ts.device.blockState(3 * PAGE)).isEqualTo(BlockState.ZERO);
            // FAST_ZERO alone is fast (deallocation)
            assertThat(c.call(CMD_FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 4 * PAGE, PAGE, null).error).isZero();
            assertThat(ts.device.blockState(4 * PAGE)).isEqualTo(BlockState.HOLE);
            // FAST_ZERO with NO_HOLE is not: ENOTSUP, contents untouched
            byte[] before = device(ts.device, 5 * PAGE, PAGE);
            NbdTestClient.Reply r = c.call(CMD_FLAG_FAST_ZERO | CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 5 * PAGE, PAGE, null);
            assertThat(r.error).isEqualTo(NbdError.ENOTSUP.code());
            assertThat(device(ts.device, 5 * PAGE, PAGE)).isEqualTo(before);
        }
    }

    @Test
    void cacheChecksTheRangeAndDoesNothingElse() throws IOException {
        try (NbdTestClient c = ts.client(false)) {
            assertThat(c.call(0, CMD_CACHE, 0, 1 << 20, null).error).isZero();
            assertThat(c.call(0, CMD_CACHE, TestServer.SIZE, 1, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(CMD_FLAG_NO_HOLE, CMD_CACHE, 0, 1, null).error).isEqualTo(NbdError.EINVAL.code());
        }
    }

    @Test
    void blockStatusReportsHolesZeroesAndData() throws IOException {
        try (NbdTestClient c = ts.client(true)) {
            c.writeData(2 * PAGE, random(2 * PAGE, 5), 0);   // pages 2,3 DATA
            c.writeData(4 * PAGE, new byte[PAGE], 0);         // page 4 ZERO (stored zeros)
            NbdTestClient.Reply r = c.call(0, CMD_BLOCK_STATUS, 0, 6 * PAGE, null);
            assertThat(r.error).isZero();
            assertThat(r.extents).extracting(e -> e[0] + ":" + e[1]).containsExactly(
                    2 * PAGE + ":" + (STATE_HOLE | STATE_ZERO), 2 * PAGE + ":0", PAGE + ":" + STATE_ZERO,
                    PAGE + ":" + (STATE_HOLE | STATE_ZERO));
            // REQ_ONE: one extent, no longer than asked
            NbdTestClient.Reply one = c.call(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 100, 1000, null);
            assertThat(one.extents).hasSize(1);
            assertThat(one.extents.get(0)).containsExactly(1000, STATE_HOLE | STATE_ZERO);
            NbdTestClient.Reply one2 = c.call(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 0, 6 * PAGE, null);
            assertThat(one2.extents).hasSize(1);
            assertThat(one2.extents.get(0)).containsExactly(2 * PAGE, STATE_HOLE | STATE_ZERO);
            // unaligned start: the extent ends at the end of the page holding the end of the request
            NbdTestClient.Reply u = c.call(0, CMD_BLOCK_STATUS, 2 * PAGE + 10, 10, null);
            assertThat(u.extents).hasSize(1);
            assertThat(u.extents.get(0)).containsExactly(PAGE - 10, 0);
            // the whole export: covered exactly, ends at the end of the export
            NbdTestClient.Reply all = c.call(0, CMD_BLOCK_STATUS, 0, TestServer.SIZE, null);
            assertThat(all.extents.stream().mapToLong(e -> e[0]).sum()).isEqualTo(TestServer.SIZE);
            // errors
            assertThat(c.call(0, CMD_BLOCK_STATUS, TestServer.SIZE - 1, 2, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(0, CMD_BLOCK_STATUS, 0, 0, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(CMD_FLAG_DF, CMD_BLOCK_STATUS, 0, 1, null).error).isEqualTo(NbdError.EINVAL.code());
        }
        try (NbdTestClient c = ts.client(false)) {
            assertThat(c.call(0, CMD_BLOCK_STATUS, 0, PAGE, null).error).isEqualTo(NbdError.EINVAL.code());
        }
    }

    @ParameterizedTest(name = "structured={0}")
    @ValueSource(booleans = {false, true})
    void outOfRangeAndInvalidRequestsGetErrorsAndTheSessionGoesOn(boolean structured) throws IOException {
        try (NbdTestClient c = ts.client(structured)) {
            long end = TestServer.SIZE;
            assertThat(c.call(0, CMD_READ, end - 1, 2, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(0, CMD_WRITE, end - 1, 2, new byte[2]).error).isEqualTo(NbdError.ENOSPC.code());
            assertThat(c.call(0, CMD_TRIM, end, 1, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(0, CMD_WRITE_ZEROES, end, 1, null).error).isEqualTo(NbdError.ENOSPC.code());
            assertThat(c.call(0, CMD_READ, -4096, 1, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(0, CMD_READ, Long.MAX_VALUE, 4096, null).error).isEqualTo(NbdError.EINVAL.code());
            // unknown command and unknown flags
            NbdTestClient.Reply unknown = c.call(0, 42, 0, 0, null);
            assertThat(unknown.error).isEqualTo(NbdError.EINVAL.code());
            if (structured) {
                assertThat(unknown.message).contains("unknown command 42");
            }
            assertThat(c.call(1 << 9, CMD_READ, 0, 1, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(CMD_FLAG_NO_HOLE, CMD_WRITE, 0, 3, new byte[] {9, 9, 9}).error).isEqualTo(NbdError.EINVAL.code());
            // oversized read
            assertThat(c.call(0, CMD_READ, 0, (32 << 20) + 1, null).error)
                    .isEqualTo(structured ? NbdError.EOVERFLOW.code() : NbdError.EINVAL.code());
            // the payloads of the refused writes were skipped: the stream is still in sync
            byte[] d = random(777, 8);
            c.writeData(5, d, 0);
            assertThat(c.readData(5, 777)).isEqualTo(d);
            assertThat(device(ts.device, 0, 3)).containsExactly(0, 0, 0);
        }
    }

    @Test
    void anOversizedWriteIsRefusedAndTheSessionClosed() throws IOException {
        try (NbdTestClient c = ts.client(true)) {
            c.sendRaw(REQUEST_MAGIC, 0, CMD_WRITE, 77, 0, (32 << 20) + 1, new byte[1000]);
            c.send(0, CMD_READ, 0, 0, null); // bookkeeping only; cookie 1
            NbdTestClient.Reply r = readRawError(c);
            assertThat(r.error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    private static NbdTestClient.Reply readRawError(NbdTestClient c) throws IOException {
        ByteBuffer h = c.read(20);
        NbdTestClient.Reply r = new NbdTestClient.Reply();
        assertThat(h.getInt()).isEqualTo(STRUCTURED_REPLY_MAGIC);
        h.getShort();
        assertThat(Short.toUnsignedInt(h.getShort())).isEqualTo(REPLY_TYPE_ERROR);
        r.cookie = h.getLong();
        ByteBuffer body = c.read(h.getInt());
        r.error = body.getInt();
        return r;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"EPERM,1", "EACCES,1", "EROFS,1", "EIO,5", "ENOMEM,12", "EINVAL,22", "ENOSPC,28", "EFBIG,28",
            "EOVERFLOW,75", "EOPNOTSUPP,95", "ENOSYS,95", "ESHUTDOWN,108", "EBUSY,5", "ENXIO,5"})
    void deviceErrnosMapToNbdErrors(String errno, int code) throws IOException {
        for (boolean structured : new boolean[] {false, true}) {
            try (NbdTestClient c = ts.client(structured)) {
                ts.device.injectFailure(Errno.valueOf(errno));
                for (int cmd : new int[] {CMD_READ, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES}) {
                    NbdTestClient.Reply r = c.call(0, cmd, 0, 8, cmd == CMD_WRITE ? new byte[8] : null);
                    assertThat(r.error).as("%s %s", errno, commandName(cmd)).isEqualTo(code);
                    if (structured) {
                        assertThat(r.message).contains("injected failure");
                    }
                }
                ts.device.injectFailure(null);
                assertThat(c.readData(0, 8)).hasSize(8);
            }
        }
    }

    @Test
    void readOnlyExports() throws IOException {
        MemoryBlockDevice ro = new MemoryBlockDevice("ro", 1 << 20);
        ts.registry.add(new Export("ro", "", ro, true));
        try (NbdTestClient c = NbdTestClient.open(ts.address(), "ro", true)) {
            assertThat(c.readData(0, 10)).hasSize(10);
            assertThat(c.call(0, CMD_WRITE, 0, 1, new byte[1]).error).isEqualTo(NbdError.EPERM.code());
            assertThat(c.call(0, CMD_TRIM, 0, 1, null).error).isEqualTo(NbdError.EPERM.code());
            assertThat(c.call(0, CMD_WRITE_ZEROES, 0, 1, null).error).isEqualTo(NbdError.EPERM.code());
            assertThat(c.readData(0, 1)).containsExactly(0);
        }
        try (NbdTestClient c = NbdTestClient.connect(ts.address())) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            int flags = c.go("ro").flags;
            assertThat(flags & FLAG_READ_ONLY).isNotZero();
            assertThat(flags & (FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES | FLAG_SEND_FAST_ZERO)).isZero();
        }
    }

    @Test
    void aMinimumBlockSizeIsEnforced() throws IOException {
        ts.close();
        ts = new TestServer(dir.resolve("x").toFile().mkdir() ? dir.resolve("x") : dir, b -> b.minimumBlockSize(512));
        try (NbdTestClient c = ts.client(false)) {
            assertThat(c.call(0, CMD_READ, 1, 512, null).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.call(0, CMD_WRITE, 0, 100, new byte[100]).error).isEqualTo(NbdError.EINVAL.code());
            assertThat(c.readData(512, 1024)).hasSize(1024);
        }
    }

    @Test
    void disconnectAnswersOutstandingRequestsThenCloses() throws Exception {
        NbdTestClient c = ts.client(false);
        List<byte[]> data = List.of(random(PAGE, 10), random(PAGE, 11), random(PAGE, 12));
        for (int i = 0; i < data.size(); i++) {
            c.send(0, CMD_WRITE, (long) i * PAGE, PAGE, data.get(i));
        }
        c.disconnect();
        for (int i = 0; i < data.size(); i++) {
            assertThat(c.readReply().error).isZero();
        }
        assertThat(c.closedByServer()).isTrue();
        c.close();
        for (int i = 0; i < data.size(); i++) {
            assertThat(device(ts.device, (long) i * PAGE, PAGE)).isEqualTo(data.get(i));
        }
        assertThat(ts.awaitNoConnections(5000)).isTrue();
        assertThat(ts.device.openers()).isZero();
    }
}
