// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.cli.bench;

import io.jzram.core.MmStat;
import io.jzram.core.ZramDevice;
import io.jzram.core.backend.RawCodec;
import io.jzram.core.zsmalloc.FreePages;
import io.jzram.hotplug.CpuHotplug;
import io.jzram.kernel.Kernel;
import io.jzram.storm.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The corpus benchmark behind {@code jzram bench}: every page of a file through a fresh device
 * and through the raw codec, in one process, timed the way {@code dd} is timed against the
 * kernel's zram (benchmarks/kernel-compare.sh).
 *
 * <p>One round: a fresh device ({@link ZramDevice#builder()} on one emulated machine kept across
 * the rounds, whose CPUs the writers and readers are pinned to, thread t to cpu t; disksize = the file rounded up to a MiB, as
 * many virtual CPUs as threads or real CPUs, whichever is more). The machine keeps the pages a
 * round's device frees at its reset in its free pages ({@link FreePages}, up to the disk size), so
 * the next round's device takes its pool memory mapped already, as the kernel's zram0 takes pages
 * its previous incarnation freed from the buddy allocator; {@code freshMachine} gives every round
 * a machine of its own instead (every pool page then costs the OS's first-touch fault inside the
 * write timing). <b>write</b>: each
 * thread writes its contiguous range of the file (thread t of T: pages [t·P/T, (t+1)·P/T), as the
 * kernel-compare writers take halves) in requests of {@code blockSize} bytes, each first read
 * from the file into the thread's buffer with pread(2) inside the timing, as dd reads its input
 * (from the page cache once the file is cached: the load step reads it whole first; generated
 * pages are written from memory); <b>read</b>: each
 * thread reads its range back in requests of {@code blockSize} bytes into one reused buffer (as dd
 * does with its block buffer); then, untimed, every page is read again and compared with the
 * file (a mismatch fails the run); the mm_stat is taken and the device closed. <b>Codec</b>:
 * each thread compresses its pages with the raw library codec ({@link RawCodec}, the backends'
 * calls) into one packed buffer, then decompresses them into a reused page buffer; pages whose
 * compressed length reaches the huge class size are copied instead, as the device stores them raw.
 * The codec's round trip is verified untimed too. A phase's time runs from the first thread's
 * start (after a barrier that releases them all) to the last thread's end, each stamped by the
 * thread itself. MB = 10^6 bytes.
 *
 * <p>{@code warmup} untimed rounds come first (JIT compilation), then {@code repeat} timed ones;
 * each figure is the median of its rounds.
 */
public final class CorpusBench {
    static final int PAGE = ZramDevice.PAGE_SIZE;
    /** The "input" of a run on generated pages. */
    public static final String GENERATED = "(generated)";
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * What to run: the pages of {@code input}, or without one {@code size} bytes of
     * {@link GeneratedPages} from {@code seed}.
     */
    public record Config(Path input, long size, long seed, String algorithm, int threads, int repeat, int warmup, int blockSize,
            boolean freshMachine) {
        /** One machine kept across the rounds (the default). */
        public Config(Path input, long size, long seed, String algorithm, int threads, int repeat, int warmup, int blockSize) {
            this(input, size, seed, algorithm, threads, repeat, warmup, blockSize, false);
        }

        public Config {
            Objects.requireNonNull(algorithm, "algorithm");
            if (input == null && size < PAGE) {
                throw new IllegalArgumentException("--size must be at least 4K");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1");
            }
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat must be at least 1");
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup must not be negative");
            }
            if (blockSize < PAGE || blockSize % PAGE != 0) {
                throw new IllegalArgumentException("--block-size must be a multiple of 4096: " + blockSize);
            }
        }
    }

    /** What a run measured; the MB/s figures are medians of the timed rounds. */
    public record Result(Config config, int pages, long bytes, double[] writeRuns, double[] readRuns, double[] compressRuns,
            double[] decompressRuns, double[][] cpuRuns, MmStat mmStat, long codecBytes, long[] poolBlocks) {

        /**
         * Pool memory the timed rounds' devices took from the machine's free pages, as {reused bytes
         * (mapped already: freed by the previous round's device), fresh bytes (new from the OS)}.
         */
        public long[] poolBlockBytes() {
            return poolBlocks.clone();
        }

        /**
         * The same figures per CPU-second instead of per wall-clock second (bytes over the
         * threads' mean CPU time; write, read, compress, decompress): less sensitive to other
         * load on the machine than the wall-clock figures, blind to time spent waiting.
         */
        public double cpuMBps(int phase) {
            return median(cpuRuns[phase]);
        }

        public double writeMBps() {
            return median(writeRuns);
        }

        public double readMBps() {
            return median(readRuns);
        }

        public double codecCompressMBps() {
            return median(compressRuns);
        }

        public double codecDecompressMBps() {
            return median(decompressRuns);
        }

        /** The codec's stored ratio: compressed bytes (huge pages as 4096) over the input bytes. */
        public double codecRatio() {
            return (double) codecBytes / bytes;
        }

        /** mm_stat's nine numbers in kernel order. */
        public long[] mmStatFields() {
            MmStat s = mmStat;
            return new long[] {s.origDataSize(), s.comprDataSize(), s.memUsedTotal(), s.memLimit(), s.memUsedMax(), s.samePages(),
                s.pagesCompacted(), s.hugePages(), s.hugePagesSince()};
        }

        /** One JSON object on one line, no trailing newline (docs/json.md). */
        public String toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("input", config.input() == null ? GENERATED : config.input().toString());
            j.put("seed", config.input() == null ? config.seed() : null);
            j.put("algorithm", config.algorithm());
            j.put("threads", config.threads());
            j.put("blockSize", config.blockSize());
            j.put("repeat", config.repeat());
            j.put("warmup", config.warmup());
            j.put("pages", pages);
            j.put("bytes", bytes);
            j.put("writeMBps", writeMBps());
            j.put("readMBps", readMBps());
            j.put("codecCompressMBps", codecCompressMBps());
            j.put("codecDecompressMBps", codecDecompressMBps());
            j.put("writeVsCodecCompress", writeMBps() / codecCompressMBps());
            j.put("readVsCodecDecompress", readMBps() / codecDecompressMBps());
            j.put("codecStoredRatio", codecRatio());
            j.put("writeCpuMBps", cpuMBps(0));
            j.put("readCpuMBps", cpuMBps(1));
            j.put("codecCompressCpuMBps", cpuMBps(2));
            j.put("codecDecompressCpuMBps", cpuMBps(3));
            j.put("writeRuns", writeRuns);
            j.put("readRuns", readRuns);
            j.put("codecCompressRuns", compressRuns);
            j.put("codecDecompressRuns", decompressRuns);
            j.put("machine", config.freshMachine() ? "fresh each round" : "kept across rounds");
            j.put("poolBytesReused", poolBlocks[0]);
            j.put("poolBytesFresh", poolBlocks[1]);
            j.put("mmStat", mmStatFields());
            j.put("mmStatLine", mmStat.sysfsLine().trim());
            j.put("verified", true);
            j.put("java", System.getProperty("java.version"));
            j.put("availableProcessors", Runtime.getRuntime().availableProcessors());
            return Json.line(j);
        }
    }

    private CorpusBench() {
    }

    /**
     * Runs the benchmark; {@code progress} gets one line per round.
     *
     * @throws IOException the input cannot be read or holds no whole page
     * @throws IllegalStateException a page did not read back as written (the message says which)
     */
    public static Result run(Config c, Consumer<String> progress) throws IOException, InterruptedException {
        ByteBuffer src = c.input() != null ? load(c.input()) : GeneratedPages.generate(c.size(), c.seed());
        int pages = src.capacity() / PAGE;
        long bytes = (long) pages * PAGE;
        int threads = Math.min(c.threads(), pages);
        int[] from = new int[threads + 1];
        for (int t = 0; t <= threads; t++) {
            from[t] = (int) ((long) pages * t / threads);
        }
        int rounds = c.warmup() + c.repeat();
        double[] w = new double[c.repeat()];
        double[] r = new double[c.repeat()];
        double[] cc = new double[c.repeat()];
        double[] cd = new double[c.repeat()];
        double[][] cpu = new double[4][c.repeat()];
        MmStat mm = null;
        long codecBytes = 0;
        long[] poolBlocks = new long[2];
        long disk = ((long) src.capacity() + (1 << 20) - 1) & -(1L << 20);
        int cpus = Math.max(threads, Math.max(2, Runtime.getRuntime().availableProcessors()));
        Codecs codecs = new Codecs(c.algorithm(), threads, from);
        Kernel kept = null;
        try {
            CpuHotplug machine = null;
            if (!c.freshMachine()) {
                // one machine for every round, as the kernel-compare's rounds run on one kernel: the
                // pages a round's device frees at its reset stay mapped in the machine's free pages
                // (up to the disk size) for the next round's device, as the kernel's buddy allocator
                // keeps zram0's freed pages across resets
                kept = Kernel.builder().lockdep(false).build();
                machine = new CpuHotplug(kept, cpus);
                FreePages.of(kept).setReserveLimit(disk);
            }
            for (int round = 0; round < rounds; round++) {
                int k = round - c.warmup();
                long[] nanos = new long[8];
                long[] before = machine == null ? null : FreePages.of(kept).counters();
                mm = machine == null ? deviceRound(c, src, threads, from, nanos, disk, cpus) : deviceRound(c, src, threads, from, nanos, disk, machine);
                if (k >= 0) {
                    // 2 MiB blocks: ZsPool.DEFAULT_PAGES_PER_CHUNK pages each
                    if (machine == null) {
                        poolBlocks[1] += (mm.memUsedMax() + (2L << 20) - 1) >> 21 << 21; // every block new (about: whole blocks)
                    } else {
                        long[] after = FreePages.of(kept).counters();
                        poolBlocks[0] += (after[2] - before[2]) << 21;
                        poolBlocks[1] += (after[0] - before[0]) << 21;
                    }
                }
                codecBytes = codecs.round(src, nanos);
                String what = k < 0 ? "warm-up" : "round " + (k + 1) + "/" + c.repeat();
                double[] mbps = new double[4];
                for (int i = 0; i < 4; i++) {
                    mbps[i] = bytes / (nanos[i] / 1e9) / 1e6;
                }
                if (k >= 0) {
                    for (int i = 0; i < 4; i++) {
                        cpu[i][k] = bytes / (nanos[i + 4] / 1e9) / 1e6;
                    }
                    w[k] = mbps[0];
                    r[k] = mbps[1];
                    cc[k] = mbps[2];
                    cd[k] = mbps[3];
                }
                progress.accept(String.format("%-11s write %8.1f  read %8.1f  codec compress %8.1f  decompress %8.1f MB/s", what,
                        mbps[0], mbps[1], mbps[2], mbps[3]));
            }
        } finally {
            codecs.close();
            if (kept != null) {
                kept.close();
            }
        }
        return new Result(new Config(c.input(), c.size(), c.seed(), c.algorithm(), threads, c.repeat(), c.warmup(), c.blockSize(), c.freshMachine()),
                pages, bytes, w, r, cc, cd, cpu, mm, codecBytes, poolBlocks);
    }

    /** The file's whole pages in one direct buffer. */
    static ByteBuffer load(Path input) throws IOException {
        long size = Files.size(input);
        long pages = size / PAGE;
        if (pages == 0) {
            throw new IOException(input + " holds no whole 4096-byte page");
        }
        if (pages * PAGE > Integer.MAX_VALUE - PAGE) {
            throw new IOException(input + " is too big for one run (at most 2 GiB)");
        }
        ByteBuffer all = ByteBuffer.allocateDirect((int) (pages * PAGE));
        byte[] chunk = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(input)) {
            while (all.hasRemaining()) {
                int n = in.readNBytes(chunk, 0, Math.min(chunk.length, all.remaining()));
                if (n <= 0) {
                    throw new IOException(input + " shrank while being read");
                }
                all.put(chunk, 0, n);
            }
        }
        return all.clear();
    }

    /** One fresh device on a fresh machine (--fresh-machine): see the other deviceRound. */
    private static MmStat deviceRound(Config c, ByteBuffer src, int threads, int[] from, long[] nanos, long disk, int cpus) throws InterruptedException {
        try (Kernel kernel = Kernel.builder().lockdep(false).build()) {
            CpuHotplug machine = new CpuHotplug(kernel, cpus);
            return deviceRound(c, src, threads, from, nanos, disk, machine);
        }
    }

    /** One fresh device on {@code machine}: timed write and read (nanos[0], nanos[1]), untimed verification; returns its mm_stat. */
    private static MmStat deviceRound(Config c, ByteBuffer src, int threads, int[] from, long[] nanos, long disk, CpuHotplug machine)
            throws InterruptedException {
        try (ZramDevice dev = ZramDevice.builder().diskSize(disk).algorithm(c.algorithm()).hotplug(machine).build()) {
            int bs = c.blockSize();
            if (c.input() != null) {
                // as dd does against the kernel: read(2) a block of the file (from the page cache)
                // into the thread's buffer, then write it to the device, both inside the timing
                parallel("write", 0, nanos, threads, t -> {
                    machine.placement().pinCurrentThread(t % machine.nrCpus());
                    return new FileSource(FileChannel.open(c.input(), StandardOpenOption.READ), ByteBuffer.allocateDirect(bs));
                }, (t, in) -> {
                    try (in) {
                        long end = (long) from[t + 1] * PAGE;
                        for (long off = (long) from[t] * PAGE; off < end; off += bs) {
                            int n = (int) Math.min(bs, end - off);
                            dev.write(off, in.read(off, n));
                        }
                    }
                });
            } else {
                parallel("write", 0, nanos, threads, t -> {
                    machine.placement().pinCurrentThread(t % machine.nrCpus());
                    return null;
                }, (t, ignored) -> {
                    long end = (long) from[t + 1] * PAGE;
                    for (long off = (long) from[t] * PAGE; off < end; off += bs) {
                        int n = (int) Math.min(bs, end - off);
                        dev.write(off, src.slice((int) off, n));
                    }
                });
            }
            // readers on distinct CPUs too (each its own stream), as the kernel's scheduler spreads the dd readers
            parallel("read", 1, nanos, threads, t -> {
                machine.placement().pinCurrentThread(t % machine.nrCpus());
                return ByteBuffer.allocateDirect(bs);
            }, (t, buf) -> {
                long end = (long) from[t + 1] * PAGE;
                for (long off = (long) from[t] * PAGE; off < end; off += bs) {
                    int n = (int) Math.min(bs, end - off);
                    dev.read(off, buf.clear().limit(n));
                }
            });
            ByteBuffer page = ByteBuffer.allocateDirect(PAGE);
            for (int i = 0; i < src.capacity() / PAGE; i++) {
                try {
                    dev.read((long) i * PAGE, page.clear());
                } catch (IOException e) {
                    throw new IllegalStateException("reading page " + i + " back failed: " + e.getMessage(), e);
                }
                if (page.clear().compareTo(src.slice(i * PAGE, PAGE)) != 0) {
                    throw new IllegalStateException("page " + i + " did not read back as written");
                }
            }
            return dev.mmStat();
        }
    }

    /** A writer's view of the input file: pread(2) of one request into its own buffer. */
    private record FileSource(FileChannel channel, ByteBuffer buffer) implements AutoCloseable {
        ByteBuffer read(long offset, int n) throws IOException {
            buffer.clear().limit(n);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException("the input shrank while being read");
                }
            }
            return buffer.flip();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Per-thread raw codecs and their buffers, kept across rounds. */
    private static final class Codecs implements AutoCloseable {
        final RawCodec[] codecs;
        final ByteBuffer[] packed;
        final int[][] lengths;
        final int[][] offsets;
        final int[] from;
        final int threads;
        final ByteBuffer[] pageOut;

        Codecs(String algorithm, int threads, int[] from) {
            this.threads = threads;
            this.from = from;
            codecs = new RawCodec[threads];
            packed = new ByteBuffer[threads];
            lengths = new int[threads][];
            offsets = new int[threads][];
            pageOut = new ByteBuffer[threads];
            try {
                for (int t = 0; t < threads; t++) {
                    codecs[t] = RawCodec.of(algorithm);
                    int n = from[t + 1] - from[t];
                    packed[t] = ByteBuffer.allocateDirect(n * PAGE + 2 * PAGE);
                    lengths[t] = new int[n];
                    offsets[t] = new int[n];
                    pageOut[t] = ByteBuffer.allocateDirect(PAGE);
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** Timed compress (nanos[2]) and decompress (nanos[3]); untimed check; returns the stored bytes. */
        long round(ByteBuffer src, long[] nanos) throws InterruptedException {
            int huge = ZramDevice.hugeClassSize();
            parallel("compress", 2, nanos, threads, t -> null, (t, ignored) -> {
                RawCodec codec = codecs[t];
                ByteBuffer out = packed[t];
                int[] len = lengths[t];
                int[] at = offsets[t];
                int off = 0;
                for (int i = from[t], j = 0; i < from[t + 1]; i++, j++) {
                    int n = codec.compress(src, i * PAGE, out, off, 2 * PAGE);
                    at[j] = off;
                    len[j] = n;
                    if (n < huge) {
                        off += n; // a huge page is stored raw: its output is overwritten by the next page's
                    }
                }
            });
            parallel("decompress", 3, nanos, threads, t -> null, (t, ignored) -> {
                RawCodec codec = codecs[t];
                ByteBuffer in = packed[t];
                ByteBuffer out = pageOut[t];
                int[] len = lengths[t];
                int[] at = offsets[t];
                for (int i = from[t], j = 0; i < from[t + 1]; i++, j++) {
                    if (len[j] >= huge) {
                        out.put(0, src, i * PAGE, PAGE);
                    } else {
                        codec.decompress(in, at[j], len[j], out, 0);
                    }
                }
            });
            long stored = 0;
            for (int t = 0; t < threads; t++) {
                ByteBuffer out = pageOut[t];
                for (int i = from[t], j = 0; i < from[t + 1]; i++, j++) {
                    int n = lengths[t][j];
                    stored += n >= huge ? PAGE : n;
                    if (n < huge) {
                        int got = codecs[t].decompress(packed[t], offsets[t][j], n, out, 0);
                        if (got != PAGE || out.clear().compareTo(src.slice(i * PAGE, PAGE)) != 0) {
                            throw new IllegalStateException("the raw codec's round trip of page " + i + " failed");
                        }
                    }
                }
            }
            return stored;
        }

        @Override
        public void close() {
            for (RawCodec c : codecs) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /** A thread's set-up step (untimed) and its timed work. */
    private interface Prepare<T> {
        T prepare(int thread) throws Exception;
    }

    private interface Work<T> {
        void run(int thread, T prepared) throws Exception;
    }

    /**
     * Runs {@code work} on {@code threads} fresh threads named {@code name-N} after each has run {@code prepare};
     * sets {@code nanos[slot]} to the nanoseconds from the release of all threads to the end of the
     * last one and {@code nanos[slot + 4]} to the threads' mean CPU time in the work.
     */
    private static <T> void parallel(String name, int slot, long[] nanos, int threads, Prepare<T> prepare, Work<T> work) throws InterruptedException {
        CyclicBarrier ready = new CyclicBarrier(threads + 1);
        CyclicBarrier done = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong cpu = new AtomicLong();
        // each thread stamps its own start and end: the main thread may be descheduled after the
        // barrier trips (a loaded machine), and a start read there would shorten the interval
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
        List<Thread> list = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                T p = null;
                try {
                    p = prepare.prepare(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                try {
                    ready.await();
                    if (failure.get() == null) {
                        long c0 = CPU.getCurrentThreadCpuTime();
                        long w0 = System.nanoTime();
                        firstStart.accumulateAndGet(w0, Math::min);
                        work.run(id, p);
                        lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
                        cpu.addAndGet(CPU.getCurrentThreadCpuTime() - c0);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    try {
                        done.await();
                    } catch (InterruptedException | BrokenBarrierException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, name + "-" + t); // the phase names the thread, for profilers (perf --sort comm)
            th.setDaemon(true);
            list.add(th);
            th.start();
        }
        try {
            ready.await();
            done.await();
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a benchmark thread failed", e);
        }
        for (Thread th : list) {
            th.join();
        }
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(f.toString(), f);
        }
        nanos[slot] = lastEnd.get() - firstStart.get();
        nanos[slot + 4] = cpu.get() / threads;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
