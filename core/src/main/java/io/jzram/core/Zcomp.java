// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.core;

import io.jzram.core.backend.ZcompBackend;
import io.jzram.core.backend.ZcompConfig;
import io.jzram.core.backend.ZcompContext;
import io.jzram.core.backend.ZcompParams;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.hotplug.CpuhpState;
import io.jzram.kernel.Errno;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.Kernel;
import io.jzram.kernel.locking.LockClass;
import io.jzram.kernel.locking.Mutex;
import io.jzram.kernel.module.Module;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.internal.NativeBytesStore;

/**
 * One compressor: {@code struct zcomp} of drivers/block/zram/zcomp.c (6.15+). A zram device has
 * one per configured priority (the primary algorithm and up to three recompression algorithms).
 *
 * <p>Each compressor is one instance of the multi-instance CPU-hotplug state
 * {@code CPUHP_ZCOMP_PREPARE} ({@code 57: block/zram:prepare}), which the zram module registers
 * once ({@link #setupState}) with the static callbacks {@link #cpuUpPrepare} (create that CPU's
 * stream: codec context, 2-page buffer, 1-page local copy, off-heap and counted) and
 * {@link #cpuDead} (take the stream's mutex and free it). {@link #create} is
 * {@code zcomp_create()}: set up the backend's parameters, give every possible CPU a stream slot
 * with its mutex, and add the instance, which runs the prepare callback on every CPU at or above the
 * state; a failure there (or a state that is gone: EINVAL) is rolled back by the hotplug core and
 * the compressor frees everything and fails with that errno. {@link #destroy} is
 * {@code zcomp_destroy()}: remove the instance (dead callback on every such CPU) and release the
 * parameters; if the state has been removed under it (the seed's module-exit bug) the streams are
 * leaked, as in the kernel, and stay visible in {@link #streamBytes()}.
 *
 * <p>Streams: {@link #streamGet} locks the stream of the CPU the caller runs on
 * ({@link CpuHotplug#currentCpu()}); if that stream has no buffer (its CPU died between the lookup
 * and the lock) it unlocks and retries on the CPU it now runs on. {@link #streamPut} unlocks.
 * The caller may sleep while holding a stream (6.15+), and may hold a zram slot lock while
 * getting one, never the other way round.
 *
 * <p>Thread-safe. No static mutable state: the callbacks receive the instance.
 */
public final class Zcomp {
    /** The name the state is registered under. */
    public static final String STATE_NAME = "block/zram:prepare";

    private final ZcompConfig config;
    private final CpuHotplug hotplug;
    private final Kernel kernel;
    private final int state;
    private final ZcompStrm[] streams;
    private final AtomicLong streamBytes = new AtomicLong();
    private final LongAdder retries = new LongAdder();
    private final AtomicLong hostBytes;
    private volatile boolean destroyed;
    /** Test seam: runs in {@link #streamGet} between the CPU lookup and the lock (null: none). */
    private volatile IntConsumer afterCpuLookup;

    private Zcomp(ZcompConfig config, CpuHotplug hotplug, int state, AtomicLong hostBytes) {
        this.config = config;
        this.hotplug = hotplug;
        this.kernel = hotplug.kernel();
        this.state = state;
        this.hostBytes = hostBytes;
        LockClass cls = kernel.lockdep().classFor("zcomp.c:zstrm->lock", "&zstrm->lock", LockClass.Kind.MUTEX);
        this.streams = new ZcompStrm[hotplug.nrCpus()];
        for (int cpu = 0; cpu < streams.length; cpu++) {
            streams[cpu] = new ZcompStrm(cpu, new Mutex(kernel, cls));
        }
    }

    // ---------------------------------------------------------------- the cpuhp state

    /**
     * The zram module's {@code cpuhp_setup_state_multi(CPUHP_ZCOMP_PREPARE, "block/zram:prepare",
     * zcomp_cpu_up_prepare, zcomp_cpu_dead)}; {@code owner} is the module whose text the callbacks
     * are (null for built-in code, e.g. an embedder's private machine). Returns the state number.
     *
     * @throws ErrnoException EBUSY when the state is registered already
     */
    public static int setupState(CpuHotplug hotplug, Module owner) {
        return hotplug.<Zcomp>setupStateMulti(CpuhpState.ZCOMP_PREPARE, STATE_NAME, owner, Zcomp::cpuUpPrepare, Zcomp::cpuDead);
    }

    /** {@code cpuhp_remove_multi_state(CPUHP_ZCOMP_PREPARE)} (WARNs if compressors are left). */
    public static void removeState(CpuHotplug hotplug) {
        hotplug.removeMultiState(CpuhpState.ZCOMP_PREPARE);
    }

    /** Whether this machine has the zram prepare state registered. */
    public static boolean stateRegistered(CpuHotplug hotplug) {
        return STATE_NAME.equals(hotplug.stateName(CpuhpState.ZCOMP_PREPARE));
    }

    /**
     * zcomp_cpu_up_prepare(): creates the CPU's stream. Fails with ENOMEM (and logs the kernel's
     * message) when the codec context or the buffers cannot be allocated.
     */
    public static void cpuUpPrepare(int cpu, Zcomp comp) {
        comp.prepare(cpu);
    }

    /** zcomp_cpu_dead(): takes the CPU's stream mutex and frees the stream. */
    public static void cpuDead(int cpu, Zcomp comp) {
        comp.dead(cpu);
    }

    private void prepare(int cpu) {
        ZcompStrm s = streams[cpu];
        s.lock.lock();
        try {
            if (s.buffer != null) {
                return; // already prepared (cannot happen with a consistent state machine)
            }
            BytesStore<?, ?> store = null;
            ZcompContext ctx = null;
            try {
                ctx = config.createContext();
                store = BytesStore.lazyNativeBytesStoreWithFixedCapacity(ZcompStrm.BYTES);
                ByteBuffer all = ((NativeBytesStore<?>) store).toTemporaryDirectByteBuffer();
                all.order(ByteOrder.nativeOrder());
                ByteBuffer local = all.slice(2 * SlotTable.PAGE_SIZE, SlotTable.PAGE_SIZE).order(ByteOrder.nativeOrder());
                s.ctx = ctx;
                s.store = store;
                s.localCopy = local;
                s.buffer = all;
                streamBytes.addAndGet(ZcompStrm.BYTES);
                hostBytes.addAndGet(ZcompStrm.BYTES);
            } catch (RuntimeException | OutOfMemoryError e) {
                if (ctx != null) {
                    ctx.close();
                }
                if (store != null) {
                    store.releaseLast();
                }
                kernel.log().err("zram: Can't allocate a compression stream");
                throw new ErrnoException(Errno.ENOMEM, "cannot allocate the " + config.backend().name() + " stream of cpu" + cpu, e);
            }
        } finally {
            s.lock.unlock();
        }
    }

    private void dead(int cpu) {
        ZcompStrm s = streams[cpu];
        s.lock.lock();
        try {
            free(s);
        } finally {
            s.lock.unlock();
        }
    }

    /** zcomp_strm_free(), under the stream's mutex. */
    private void free(ZcompStrm s) {
        if (s.buffer == null) {
            return;
        }
        s.buffer = null;
        s.localCopy = null;
        ZcompContext ctx = s.ctx;
        s.ctx = null;
        BytesStore<?, ?> store = s.store;
        s.store = null;
        ctx.close();
        store.releaseLast();
        streamBytes.addAndGet(-ZcompStrm.BYTES);
        hostBytes.addAndGet(-ZcompStrm.BYTES);
    }

    // ---------------------------------------------------------------- create / destroy

    /**
     * zcomp_create(): a compressor for {@code backend} with {@code params}, one instance of the
     * prepare state registered on {@code hotplug} ({@link #setupState}).
     *
     * @param hostBytes a counter of stream bytes shared by every compressor of one host (may be new)
     * @throws ErrnoException the backend's EINVAL for bad parameters; EINVAL when the state is not
     *     registered (removed); the prepare callback's errno (ENOMEM, or the injected one)
     */
    public static Zcomp create(CpuHotplug hotplug, ZcompBackend backend, ZcompParams params, AtomicLong hostBytes) {
        ZcompConfig config = backend.setup(params);
        Zcomp comp = new Zcomp(config, hotplug, CpuhpState.ZCOMP_PREPARE, hostBytes);
        try {
            hotplug.addInstance(CpuhpState.ZCOMP_PREPARE, comp);
        } catch (RuntimeException e) {
            comp.freeAllStreams(); // nothing should be left after the rollback; be sure
            config.close();
            throw e;
        }
        return comp;
    }

    /**
     * zcomp_destroy(): removes the instance (the dead callback frees each CPU's stream) and releases
     * the parameters. Idempotent. If the state is gone the streams stay allocated (leaked), as in the
     * kernel; {@link #streamBytes()} then shows them.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        try {
            hotplug.removeInstance(state, this);
        } catch (ErrnoException e) {
            kernel.log().err("zram: cannot remove the compression streams of " + config.backend().name() + ": " + e.errno().name());
        }
        config.close();
    }

    private void freeAllStreams() {
        for (ZcompStrm s : streams) {
            s.lock.lock();
            try {
                free(s);
            } finally {
                s.lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- streams

    /**
     * zcomp_stream_get(): the current CPU's stream, locked. Retries on the CPU the caller runs on
     * after a CPU died under it.
     *
     * @throws IllegalStateException on a destroyed compressor (a use after free in the kernel)
     */
    public ZcompStrm streamGet() {
        int spins = 0;
        for (;;) {
            int cpu = hotplug.currentCpu();
            IntConsumer seam = afterCpuLookup;
            if (seam != null) {
                seam.accept(cpu);
            }
            ZcompStrm s = streams[cpu];
            s.lock.lock();
            if (s.buffer != null) {
                return s;
            }
            s.lock.unlock();
            retries.increment();
            if (destroyed) {
                throw new IllegalStateException("stream of a destroyed " + config.backend().name() + " compressor");
            }
            if (++spins > 64) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Test seam: {@code hook} runs on the getting thread in {@link #streamGet}, with the CPU it
     * looked up, before it locks that CPU's stream: the window in which the kernel's writer can be
     * preempted and its CPU taken down. A test takes the CPU down there (the dead callback frees the
     * stream) to force the retry deterministically. Null removes it.
     */
    void setAfterCpuLookupHook(IntConsumer hook) {
        this.afterCpuLookup = hook;
    }

    /** zcomp_stream_put(). */
    public void streamPut(ZcompStrm s) {
        s.lock.unlock();
    }

    /** zcomp_compress(): compresses one page at {@code src[off]} into the stream's buffer; returns the length. */
    public int compress(ZcompStrm s, ByteBuffer src, int off) {
        return s.ctx.compress(src, off, s.buffer, 0, 2 * SlotTable.PAGE_SIZE);
    }

    /** zcomp_decompress(): decompresses {@code len} bytes at {@code src[srcOff]} into one page at {@code dst[dstOff]}. */
    public void decompress(ZcompStrm s, ByteBuffer src, int srcOff, int len, ByteBuffer dst, int dstOff) {
        s.ctx.decompress(src, srcOff, len, dst, dstOff);
    }

    // ---------------------------------------------------------------- introspection

    public ZcompBackend backend() {
        return config.backend();
    }

    /** The algorithm's name. */
    public String name() {
        return config.backend().name();
    }

    /** The parameters in force (defaults filled in). */
    public ZcompParams params() {
        return config.params();
    }

    /** Off-heap bytes this compressor's streams hold now. */
    public long streamBytes() {
        return streamBytes.get();
    }

    /** How many times {@link #streamGet} found its CPU's stream freed and retried. */
    public long streamGetRetries() {
        return retries.sum();
    }

    /** Streams that have their buffers (one per CPU at or above the prepare state). */
    public int liveStreams() {
        int n = 0;
        for (ZcompStrm s : streams) {
            if (s.buffer != null) {
                n++;
            }
        }
        return n;
    }

    /** The stream slot of {@code cpu} (for tests and diagnostics; lock it before using it). */
    public ZcompStrm stream(int cpu) {
        return streams[cpu];
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "zcomp[" + name() + ", " + liveStreams() + " streams" + (destroyed ? ", destroyed" : "") + "]";
    }
}
