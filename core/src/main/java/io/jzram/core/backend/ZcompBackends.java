// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core.backend;

import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The backends this emulator can run, in the kernel's listing order
 * ({@code backends[]} of drivers/block/zram/zcomp.c: lzo-rle lzo lz4 lz4hc zstd deflate 842),
 * leaving out the one it cannot: <b>842</b>, IBM's hardware-oriented format, which has no Java
 * implementation. lzo-rle and lzo are the pure-Java port of the kernel's LZO1X-1 in
 * {@link LzoBackend} (no library on Maven Central implements lzo-rle, and the kernel's exact
 * LZO1X-1 output is what makes sizes match); lz4 and lz4hc run on lz4-java, zstd on zstd-jni,
 * deflate on java.util.zip.
 *
 * <p>So the list is {@code lzo-rle lzo lz4 lz4hc zstd deflate}. When the registry is built each
 * backend is tried once (set up with defaults, one page compressed and decompressed); one whose
 * native library does not load on this machine is left out, so {@code comp_algorithm} lists only
 * what works.
 *
 * <p>Immutable and thread-safe.
 */
public final class ZcompBackends {
    private final List<ZcompBackend> backends;

    private ZcompBackends(List<ZcompBackend> backends) {
        this.backends = Collections.unmodifiableList(backends);
    }

    /** The built-in backends that pass a round trip on this machine, in kernel order. */
    public static ZcompBackends builtin() {
        List<ZcompBackend> candidates = List.of(LzoBackend.lzoRle(), LzoBackend.lzo(), Lz4Backend.lz4(), Lz4Backend.lz4hc(),
                new ZstdBackend(), new DeflateBackend());
        List<ZcompBackend> working = new ArrayList<>();
        for (ZcompBackend b : candidates) {
            if (works(b)) {
                working.add(b);
            }
        }
        return new ZcompBackends(working);
    }

    /** A registry of exactly these backends (tests, embedders with their own codecs). */
    public static ZcompBackends of(List<ZcompBackend> backends) {
        return new ZcompBackends(new ArrayList<>(backends));
    }

    /** The backends, in listing order. */
    public List<ZcompBackend> all() {
        return backends;
    }

    /** Names in listing order, as {@code comp_algorithm} prints them. */
    public List<String> names() {
        List<String> names = new ArrayList<>(backends.size());
        for (ZcompBackend b : backends) {
            names.add(b.name());
        }
        return Collections.unmodifiableList(names);
    }

    public Optional<ZcompBackend> find(String name) {
        for (ZcompBackend b : backends) {
            if (b.name().equals(name)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * The backend of that name.
     *
     * @throws ErrnoException EINVAL for an unknown name (what {@code comp_algorithm} answers)
     */
    public ZcompBackend get(String name) {
        return find(name).orElseThrow(() -> new ErrnoException(Errno.EINVAL, "unknown compression algorithm '" + name + "'"));
    }

    /**
     * The default algorithm: the kernel's CONFIG_ZRAM_DEF_COMP, lzo-rle; where it is not listed
     * (a registry of other backends), the first listed of lz4, zstd, deflate, else the first.
     */
    public ZcompBackend defaultBackend() {
        for (String n : List.of("lzo-rle", "lz4", "zstd", "deflate")) {
            Optional<ZcompBackend> b = find(n);
            if (b.isPresent()) {
                return b.get();
            }
        }
        if (backends.isEmpty()) {
            throw new IllegalStateException("no compression backend works on this machine");
        }
        return backends.get(0);
    }

    private static boolean works(ZcompBackend backend) {
        try (ZcompConfig config = backend.setup(ZcompParams.defaults());
                ZcompContext ctx = config.createContext()) {
            ByteBuffer page = ByteBuffer.allocate(ZcompBackend.PAGE_SIZE);
            for (int i = 0; i < page.capacity(); i++) {
                page.put(i, (byte) (i * 7 % 61));
            }
            ByteBuffer packed = ByteBuffer.allocate(2 * ZcompBackend.PAGE_SIZE);
            int n = ctx.compress(page, 0, packed, 0, packed.capacity());
            ByteBuffer back = ByteBuffer.allocate(ZcompBackend.PAGE_SIZE);
            ctx.decompress(packed, 0, n, back, 0);
            return back.equals(page);
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
