// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.storm;

import io.jzram.kernel.block.BlockDevice;
import io.jzram.core.ZramDevice;
import io.jzram.core.ZramHook;
import io.jzram.core.ZramMemory;
import io.jzram.hotplug.HotplugStorm;
import io.jzram.hotplug.MultiInstanceStorm;
import io.jzram.kernel.ErrnoException;
import io.jzram.kernel.ErrnoIOException;
import io.jzram.kernel.KernelLog;
import io.jzram.kernel.SplatKind;
import io.jzram.kernel.module.KernelOops;
import io.jzram.sysfs.Machine;
import io.jzram.sysfs.MachineFile;
import io.jzram.sysfs.OpenFlag;
import io.jzram.sysfs.zram.ZramDisk;
import io.jzram.sysfs.zram.ZramDriver;
import io.jzram.sysfs.zram.ZramDriverHook;
import io.jzram.sysfs.zram.ZramKconfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The full zram storm ({@code jzram storm}): one emulated machine with the zram module loaded in a
 * fix set, and at once
 *
 * <ul>
 *   <li><b>I/O</b>: per device a writer that opens /dev/zramN, writes, discards and re-reads pages,
 *       remembering the version it last wrote to each page (contents are a function of it, see
 *       {@link PageData}), verifies every page it knows before it closes the device, and keeps the
 *       device open while it relies on its data (an open device cannot be reset, removed or
 *       unloaded under it). On reopening it compares the device's identity and initialisation count
 *       (a new device after hot_remove/hot_add or a reload, or a reset and a new disksize): if either
 *       changed it forgets what it wrote. Readers verify the pages of open devices concurrently,
 *       skipping pages a write raced. "Data lost" is a verified read of an acknowledged page that
 *       differs (or fails) while nothing that explains it (a reset, a re-init) happened;</li>
 *   <li>a <b>CPU hotplug storm</b> ({@link HotplugStorm}) under the devices' per-CPU compression
 *       streams, and optionally issue 2's <b>multi-instance part</b> ({@link MultiInstanceStorm#attach})
 *       on the same hotplug state machine;</li>
 *   <li><b>sysfs writers</b>: disksize, reset, comp_algorithm, recomp_algorithm, backing_dev, mem_limit,
 *       mem_used_max, compact, idle, writeback, recompress, algorithm_params and stat reads on the
 *       devices and on hot-added ones; while rmmod runs they hammer disksize and reset (the LTP
 *       zram02.sh loops that found bug 1);</li>
 *   <li><b>hot_add/hot_remove</b> of extra devices (used, verified, removed) and of the main ones;</li>
 *   <li><b>module unload/reload cycles</b>: rmmod answers "in use" while devices are open, so each
 *       cycle opens a window (writers close and wait) in which rmmod is retried until it succeeds,
 *       then zram is loaded again.</li>
 * </ul>
 *
 * A watchdog of the storm breaks deadlocks: when the kernel's hung-task watchdog has seen a task
 * sleeping in a lock for longer than the timeout, the storm records the wait chain and interrupts
 * the lock waiters (their waits end with EINTR), never a remover draining active references, so the
 * run always finishes and reports. At the end everything is stopped and verified, zram is unloaded
 * once more and what every load still holds is measured.
 *
 * <p>Thread-safety: one storm object runs once. Its harness locks (a read-write lock per device
 * between its writer and readers) are Java locks outside the emulated kernel.
 *
 * <p>Size: about 1,100 lines, over the house's ~800, because the storm's threads (writers, readers,
 * sysfs writers, hot_add/hot_remove, the unload loop) share one set of counters and one view of
 * which device generation is live; the verdict ({@link MachineVerdict}), the deadlock breaker
 * ({@link DeadlockBreaker}), the log watch ({@link KernelLogWatch}), the page contents
 * ({@link PageData}) and the report ({@link StormReport}) are classes of their own.
 */
public final class ZramStorm {

    private static final long UNKNOWN = 0;
    private static final long IN_FLIGHT = -1;
    private static final long ZEROS = -2;
    private static final int PAGE = PageData.PAGE;
    private static final List<String> ALGORITHMS = List.of("lzo-rle", "lzo", "lz4", "lz4hc", "zstd", "deflate");

    private final StormConfig cfg;
    private final long maxPages;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile boolean window;
    private volatile boolean unloading;
    /** Module exit is running (set at zram's EXIT_START hook point, cleared when rmmod returns). */
    private volatile boolean exiting;
    private Machine m;
    private long t0;
    private Path tmpDir;
    /** The configured algorithms the storm picks from at random (set at the first load). */
    private List<String> algorithms = List.of(ZramKconfig.KERNEL_DEFAULT_COMPRESSOR);

    private final Map<ZramDevice, long[]> generations = Collections.synchronizedMap(new IdentityHashMap<>());
    private final List<ZramDriver> drivers = new CopyOnWriteArrayList<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<String, LongAdder>> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LongAdder>> duringUnload = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errnos = new ConcurrentHashMap<>();
    private final LongAdder writes = new LongAdder();
    private final LongAdder reads = new LongAdder();
    private final LongAdder discards = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder pagesVerified = new LongAdder();
    private final LongAdder racedReads = new LongAdder();
    private final LongAdder generationsNoticed = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    /** Failed writes, discards and flushes that nothing explains (a violation), with samples. */
    private final LongAdder unexplainedIo = new LongAdder();
    private final List<String> unexplainedSamples = Collections.synchronizedList(new ArrayList<>());
    /** Failed writes, discards and flushes by what explains them. */
    private final Map<String, LongAdder> explainedIo = new ConcurrentHashMap<>();
    /** When a mem_limit store last succeeded, by device id (nanoTime). */
    private final Map<Integer, Long> memLimitSetAt = new ConcurrentHashMap<>();
    private final LongAdder dataLost = new LongAdder();
    private final LongAdder sysfsOps = new LongAdder();
    private final List<String> lossSamples = Collections.synchronizedList(new ArrayList<>());
    private final List<String> internalErrors = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong unloadCycles = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private KernelLogWatch logWatch;
    private DeadlockBreaker breaker;

    public ZramStorm(StormConfig config) {
        this.cfg = config;
        this.maxPages = config.diskSize() / PAGE;
    }

    // =============================================================================== the run

    /** Runs the storm; {@code progress} gets a status line about once a second (may be a no-op). */
    public StormReport run(Consumer<String> progress) {
        t0 = System.nanoTime();
        long nativeBefore = ZramMemory.processNativeBytes();
        try {
            tmpDir = Files.createTempDirectory("jzram-storm");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m = Machine.builder().cpus(cfg.cpus()).zramFixes(cfg.fixes()).hungTaskTimeout(cfg.hungTaskTimeout())
                .logCapacity(1 << 18).seed(cfg.seed()).lockdep(cfg.lockdep()).zramKconfig(cfg.kconfig()).withTestSysfs(false).build();
        StormReport report;
        try {
            report = runOn(progress, nativeBefore);
        } finally {
            m.close();
            deleteTmp();
        }
        return report;
    }

    private StormReport runOn(Consumer<String> progress, long nativeBefore) {
        logWatch = new KernelLogWatch(m.kernel().log());
        breaker = new DeadlockBreaker(m.kernel(), cfg.hungTaskTimeout(), threads::contains).evidence(logWatch::bugEvidence);
        m.zram().setHook(ZramDriverHook.EXIT_START, site -> exiting = !site.driver().self().isLive());
        m.zram().setDeviceHook(ZramHook.DISKSIZE_ALLOCATED, dev -> {
            synchronized (generations) {
                generations.computeIfAbsent(dev, k -> new long[1])[0]++;
            }
        });
        load();
        m.zram().driver().ifPresent(d -> {
            List<String> avail = d.devices().isEmpty() ? List.of() : d.devices().get(0).device().availableAlgorithms();
            algorithms = ALGORITHMS.stream().filter(avail::contains).toList();
            if (algorithms.isEmpty()) {
                algorithms = List.of(d.host().defaultCompressor()); // the driver's default, as an untouched device has
            }
        });

        Slot[] slots = new Slot[cfg.devices()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, cfg.seed() * 1_000_003L + i);
        }
        HotplugStorm hotplug = null;
        if (cfg.hotplugRate() > 0) {
            hotplug = new HotplugStorm(m.hotplug(), HotplugStorm.allHotpluggable(m.hotplug()), cfg.hotplugRate(), cfg.seed());
            hotplug.start(cfg.duration());
        }
        MultiInstanceStorm.Attached instancePart = null;
        if (cfg.instances() > 0) {
            MultiInstanceStorm mis = new MultiInstanceStorm(new MultiInstanceStorm.Config(cfg.cpus(), cfg.instances(),
                    cfg.duration(), Math.max(1, cfg.hotplugRate()), cfg.seed(), cfg.churnThreads(), cfg.instanceFailureRate()));
            instancePart = mis.attach(m.kernel(), m.hotplug(), "storm_res");
        }

        breaker.start();
        List<Thread> workers = new ArrayList<>();
        for (Slot s : slots) {
            workers.add(spawn("writer-" + s.id, () -> writerLoop(s)));
            for (int r = 0; r < cfg.readersPerDevice(); r++) {
                int ri = r;
                workers.add(spawn("reader-" + s.id + "-" + r, () -> readerLoop(slots, s.id * 31L + ri)));
            }
        }
        for (int i = 0; i < cfg.sysfsWriters(); i++) {
            int wi = i;
            workers.add(spawn("sysfs-" + i, () -> sysfsLoop(wi)));
        }
        HotAdder hotAdder = null;
        if (cfg.hotAdd()) {
            hotAdder = new HotAdder();
            HotAdder ha = hotAdder;
            workers.add(spawn("hotadd", ha::loop));
        }
        if (cfg.unload()) {
            HotAdder ha = hotAdder;
            workers.add(spawn("rmmod", () -> unloadLoop(slots, ha)));
        }

        long end = t0 + cfg.duration().toNanos();
        long lastOps = 0;
        long lastT = System.nanoTime();
        while (System.nanoTime() < end) {
            sleepMs(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            logWatch.poll();
            long ops = totalOps();
            long now = System.nanoTime();
            progress.accept(progressLine(ops - lastOps, (now - lastT) / 1e9, ops));
            lastOps = ops;
            lastT = now;
            if (cfg.stopOnBug() != null) {
                String seen = bugSoFar(cfg.stopOnBug());
                if (seen != null) {
                    progress.accept(String.format(Locale.ROOT, "[%5.1fs] reproduced, stopping the load: %s", (System.nanoTime() - t0) / 1e9,
                            seen));
                    break;
                }
            }
        }

        // stop everything, let the writers verify and close
        stop.set(true);
        window = false;
        HotplugStorm.Report hotplugReport = hotplug == null ? null : hotplug.stop();
        for (Thread t : workers) {
            joinOrReport(t, 20_000);
        }
        MultiInstanceStorm.InstanceReport instanceReport = instancePart == null ? null : instancePart.finish();
        breaker.close();

        // the final unload, and what every load still holds
        String finalUnload = finalUnload();
        MachineVerdict verdict = MachineVerdict.judge(m.kernel(), drivers, nativeBefore, finalUnload, breaker, logWatch,
                reloadFailures.get());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        StormReport.Io io = new StormReport.Io(writes.sum(), reads.sum(), discards.sum(), bytesWritten.sum(), bytesRead.sum(),
                pagesVerified.sum(), racedReads.sum(), generationsNoticed.sum(), ioErrors.sum(), unexplainedIo.sum(),
                snapshotFlat(explainedIo));
        List<String> violations = new ArrayList<>();
        if (dataLost.sum() > 0) {
            violations.add("data lost: " + dataLost.sum() + " pages");
        }
        if (unexplainedIo.sum() > 0) {
            violations.add("unexplained I/O errors: " + unexplainedIo.sum() + " (a failed write, discard or flush of an open device "
                    + "that no reset, removal or mem_limit explains; first: " + unexplainedSamples.get(0) + ")");
        }
        violations.addAll(verdict.violations());
        if (instanceReport != null && !instanceReport.ok()) {
            violations.add("multi-instance part: " + instanceReport.violations().size() + " violations, "
                    + instanceReport.liveResourcesAtEnd() + " resources left");
        }
        if (!internalErrors.isEmpty()) {
            violations.add("internal errors: " + internalErrors.size());
        }
        return new StormReport(cfg, elapsed, io, dataLost.sum(), List.copyOf(lossSamples), verdict.splats(),
                verdict.hungTaskReports(), verdict.deadlocks(), verdict.tasksInterrupted(), verdict.leaks(), unloadCycles.get(),
                reloads.get(), reloadFailures.get(), snapshot(outcomes), snapshot(duringUnload), snapshotFlat(errnos), verdict.bugs(),
                verdict.lockdepSummary(logWatch.lockdepClassification()), hotplugReport, instanceReport, List.copyOf(internalErrors),
                violations);
    }

    private Thread spawn(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                internal(Thread.currentThread().getName() + " died: " + describe(e));
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private void joinOrReport(Thread t, long millis) {
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            internal(t.getName() + " did not stop within " + millis + " ms: " + Arrays.toString(t.getStackTrace()));
            t.interrupt();
        }
    }

    private void internal(String what) {
        if (internalErrors.size() < 50) {
            internalErrors.add(what);
        }
    }

    private static String describe(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        return e + (st.length > 0 ? " at " + st[0] + (st.length > 1 ? " <- " + st[1] : "") : "");
    }

    // =============================================================================== outcomes

    private void record(String op, String outcome, boolean whileUnloading) {
        outcomes.computeIfAbsent(op, k -> new ConcurrentHashMap<>()).computeIfAbsent(outcome, k -> new LongAdder()).increment();
        if (whileUnloading) {
            duringUnload.computeIfAbsent(op, k -> new ConcurrentHashMap<>()).computeIfAbsent(outcome, k -> new LongAdder()).increment();
        }
        if (!outcome.equals("ok")) {
            errnos.computeIfAbsent(outcome, k -> new LongAdder()).increment();
        }
    }

    private void recordError(String op, String errno) {
        record(op, errno, exiting);
    }

    private static Map<String, Map<String, Long>> snapshot(Map<String, Map<String, LongAdder>> src) {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        src.forEach((op, m) -> out.put(op, snapshotFlat(m)));
        return out;
    }

    private static Map<String, Long> snapshotFlat(Map<String, LongAdder> m) {
        Map<String, Long> o = new TreeMap<>((a, b) -> a.equals(b) ? 0 : a.equals("ok") ? -1 : b.equals("ok") ? 1 : a.compareTo(b));
        m.forEach((k, v) -> o.put(k, v.sum()));
        return o;
    }

    private long totalOps() {
        return writes.sum() + reads.sum() + discards.sum() + sysfsOps.sum();
    }

    private String progressLine(long ops, double secs, long total) {
        StringBuilder err = new StringBuilder();
        snapshotFlat(errnos).entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(6)
                .forEach(e -> err.append(' ').append(e.getKey()).append(' ').append(e.getValue()));
        long splats = 0;
        for (SplatKind k : SplatKind.values()) {
            splats += m.kernel().log().splatTotal(k);
        }
        long rss = ProcessMemory.rssBytes();
        return String.format(Locale.ROOT, "[%5.1fs] ops/s %7.0f  online %d/%d  unloads %d  deadlocks %d  splats %d  data lost %d  rss %s  off-heap %s  errors:%s",
                (System.nanoTime() - t0) / 1e9, ops / Math.max(1e-9, secs), m.hotplug().onlineCount(), m.hotplug().nrCpus(),
                unloadCycles.get(), breaker.deadlocks().size(), splats, dataLost.sum(), rss < 0 ? "-" : ProcessMemory.mib(rss),
                ProcessMemory.mib(ZramMemory.processNativeBytes()), err.length() == 0 ? " none" : err.toString());
    }

    // =============================================================================== sysfs helpers

    /** One write(2) of {@code value} to a sysfs file, recorded as {@code op}; returns the outcome. */
    private String store(String op, String path, String value) {
        boolean during = exiting;
        String outcome;
        try {
            m.write(path, value.getBytes(StandardCharsets.ISO_8859_1));
            outcome = "ok";
        } catch (ErrnoException e) {
            outcome = e.errno().name();
        } catch (KernelOops e) {
            outcome = "OOPS";
        }
        sysfsOps.increment();
        record(op, outcome, during || exiting);
        return outcome;
    }

    private String cat(String op, String path) {
        boolean during = exiting;
        String outcome;
        String text = null;
        try {
            text = m.cat(path);
            outcome = "ok";
        } catch (ErrnoException e) {
            outcome = e.errno().name();
        } catch (KernelOops e) {
            outcome = "OOPS";
        }
        sysfsOps.increment();
        record(op, outcome, during || exiting);
        return outcome.equals("ok") ? text : null;
    }

    private Path backingFile(int id) {
        Path p = tmpDir.resolve("zram" + id + ".img");
        if (!Files.exists(p)) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(cfg.diskSize() + PAGE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    private void deleteTmp() {
        if (tmpDir == null) {
            return;
        }
        try (var s = Files.list(tmpDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(tmpDir);
        } catch (IOException e) {
            // best effort
        }
    }

    /** The device zramN of the loaded driver, if any. */
    private ZramDevice device(int id) {
        return m.zram().driver().flatMap(d -> d.device(id)).map(ZramDisk::device).orElse(null);
    }

    private long generation(ZramDevice dev) {
        synchronized (generations) {
            long[] g = generations.get(dev);
            return g == null ? 0 : g[0];
        }
    }

    /** Configures an uninitialised device the way a user would, then sets its disksize. */
    private void initialise(int id, SplittableRandom rnd) {
        String base = "/sys/block/zram" + id + "/";
        if (rnd.nextInt(2) == 0) {
            store("comp_algorithm", base + "comp_algorithm", algorithms.get(rnd.nextInt(algorithms.size())));
        }
        if (m.zram().kconfig().multiComp() && algorithms.contains("zstd") && rnd.nextInt(2) == 0) {
            store("recomp_algorithm", base + "recomp_algorithm", "algo=zstd priority=1");
        }
        if (m.zram().kconfig().writeback() && rnd.nextInt(3) != 0) {
            store("backing_dev", base + "backing_dev", backingFile(id).toString());
        }
        store("disksize", base + "disksize", diskSizeValue(rnd));
    }

    private String diskSizeValue(SplittableRandom rnd) {
        long size = switch (rnd.nextInt(3)) {
            case 0 -> cfg.diskSize();
            case 1 -> cfg.diskSize() / 2;
            default -> cfg.diskSize() - 4 * PAGE;
        };
        return size % (1 << 20) == 0 ? (size >> 20) + "M" : Long.toString(size);
    }

    // =============================================================================== devices: writers

    /** A session: the writer holds /dev/zramN open; readers may verify through the disk's block device. */
    private record Session(MachineFile file, BlockDevice bdev, int pages, long startNanos) {
    }

    /** One device slot: its writer's memory of what it wrote, and the open session. */
    private final class Slot {
        final int id;
        final long seed;
        final String dev;
        final ReentrantReadWriteLock sessionLock = new ReentrantReadWriteLock();
        final AtomicLongArray expected;
        final AtomicLong versions = new AtomicLong();
        volatile Session session;
        volatile boolean idle = true;
        ZramDevice device;
        long gen = -1;

        Slot(int id, long seed) {
            this.id = id;
            this.seed = seed;
            this.dev = "/dev/zram" + id;
            this.expected = new AtomicLongArray((int) maxPages);
        }

        void forget() {
            for (int i = 0; i < expected.length(); i++) {
                expected.set(i, UNKNOWN);
            }
        }
    }

    private void writerLoop(Slot s) {
        SplittableRandom rnd = new SplittableRandom(s.seed);
        byte[] page = new byte[PAGE];
        byte[] back = new byte[PAGE];
        while (!stop.get()) {
            Thread.interrupted();
            if (window) {
                s.idle = true;
                sleepMs(2);
                continue;
            }
            s.idle = false;
            if (window) {
                s.idle = true;
                continue;
            }
            Session ss = openSession(s, rnd);
            if (ss == null) {
                s.idle = true;
                sleepMs(2 + rnd.nextInt(20));
                continue;
            }
            try {
                runSession(s, ss, rnd, page, back);
            } finally {
                closeSession(s, ss);
                s.idle = true;
            }
            sleepMs(rnd.nextInt(120));
        }
        s.idle = true;
    }

    private Session openSession(Slot s, SplittableRandom rnd) {
        boolean during = exiting;
        MachineFile f;
        try {
            f = m.open(s.dev, OpenFlag.RDWR);
        } catch (ErrnoException e) {
            record("open", e.errno().name(), during || exiting);
            return null;
        } catch (KernelOops e) {
            record("open", "OOPS", true);
            return null;
        }
        boolean keep = false;
        try {
            ZramDevice dev = device(s.id);
            if (dev == null) {
                record("open", "no device", during);
                return null;
            }
            long cap = dev.capacity();
            if (cap == 0) {
                record("open", "ok", during);
                f.close();
                keep = true; // closed already
                initialise(s.id, rnd);
                return null;
            }
            BlockDevice bdev = m.blockDevice(s.dev);
            long gen = generation(dev);
            if (s.device != dev || s.gen != gen) {
                if (s.device != null) {
                    generationsNoticed.increment();
                }
                s.forget();
                s.device = dev;
                s.gen = gen;
            }
            Session ss = new Session(f, bdev, (int) Math.min(maxPages, cap / PAGE), System.nanoTime());
            s.sessionLock.writeLock().lock();
            try {
                s.session = ss;
            } finally {
                s.sessionLock.writeLock().unlock();
            }
            record("open", "ok", during);
            keep = true;
            return ss;
        } catch (ErrnoException e) {
            record("open", e.errno().name(), during || exiting);
            return null;
        } finally {
            if (!keep) {
                f.close();
            }
        }
    }

    private void closeSession(Slot s, Session ss) {
        s.sessionLock.writeLock().lock();
        try {
            s.session = null;
        } finally {
            s.sessionLock.writeLock().unlock();
        }
        ss.file().close();
    }

    private void runSession(Slot s, Session ss, SplittableRandom rnd, byte[] page, byte[] back) {
        long end = System.nanoTime() + (100 + rnd.nextInt(500)) * 1_000_000L;
        while (!stop.get() && !window && System.nanoTime() < end) {
            Thread.interrupted();
            int p = rnd.nextInt(ss.pages());
            int r = rnd.nextInt(100);
            if (r < 65) {
                long v = s.versions.incrementAndGet();
                PageData.fill(page, s.seed, p, v);
                s.expected.set(p, IN_FLIGHT);
                try {
                    ss.bdev().write((long) p * PAGE, ByteBuffer.wrap(page));
                    s.expected.set(p, v);
                    writes.increment();
                    bytesWritten.add(PAGE);
                } catch (IOException e) {
                    s.expected.set(p, UNKNOWN);
                    ioFailure(s.id, s.device, s.gen, ss.startNanos(), "write", e);
                }
            } else if (r < 92) {
                verify(s, ss, p, page, back);
            } else if (r < 97) {
                s.expected.set(p, IN_FLIGHT);
                try {
                    ss.bdev().discard((long) p * PAGE, PAGE);
                    s.expected.set(p, ZEROS);
                    discards.increment();
                } catch (IOException e) {
                    s.expected.set(p, UNKNOWN);
                    ioFailure(s.id, s.device, s.gen, ss.startNanos(), "discard", e);
                }
            } else {
                try {
                    ss.bdev().flush();
                } catch (IOException e) {
                    ioFailure(s.id, s.device, s.gen, ss.startNanos(), "flush", e);
                }
            }
        }
        // the writer relied on its data up to here: all of it must read back before it lets go
        for (int p = 0; p < ss.pages(); p++) {
            verify(s, ss, p, page, back);
        }
    }

    private void ioError(String op, IOException e) {
        ioErrors.increment();
        String errno = e instanceof ErrnoIOException x ? x.errno().name() : "EIO";
        recordError(op, errno);
    }

    /**
     * A failed write, discard or flush of device {@code id}, which the session knew as
     * {@code dev} at generation {@code gen} since {@code since}: explained by a removal or
     * replacement of the device, a reset or re-initialisation, or (ENOMEM) a mem_limit in force, or
     * changed during the session; anything else is an unexplained I/O error, a violation.
     */
    private void ioFailure(int id, ZramDevice dev, long gen, long since, String op, IOException e) {
        ioError(op, e);
        String why = explain(id, dev, gen, since, e);
        if (why != null) {
            explainedIo.computeIfAbsent(why, k -> new LongAdder()).increment();
            return;
        }
        unexplainedIo.increment();
        if (unexplainedSamples.size() < 10) {
            unexplainedSamples.add(String.format(Locale.ROOT, "%s of zram%d at %.1fs: %s", op, id, (System.nanoTime() - t0) / 1e9, e.getMessage()));
        }
    }

    private String explain(int id, ZramDevice dev, long gen, long since, IOException e) {
        ZramDevice now = device(id);
        if (dev == null || now != dev) {
            return "device removed or replaced";
        }
        if (dev.capacity() == 0 || generation(dev) != gen) {
            return "device reset";
        }
        boolean enomem = e instanceof ErrnoIOException x && x.errno() == io.jzram.kernel.Errno.ENOMEM;
        if (enomem && (dev.memLimit() != 0 || memLimitSetAt.getOrDefault(id, Long.MIN_VALUE) >= since)) {
            return "mem_limit";
        }
        return null;
    }

    /** Reads page {@code p} and compares it with what its writer last acknowledged there. */
    private void verify(Slot s, Session ss, int p, byte[] want, byte[] got) {
        long v1 = s.expected.get(p);
        if (v1 == UNKNOWN || v1 == IN_FLIGHT) {
            return;
        }
        IOException failure = null;
        try {
            ss.bdev().read((long) p * PAGE, ByteBuffer.wrap(got));
            reads.increment();
            bytesRead.add(PAGE);
        } catch (IOException e) {
            failure = e;
        }
        long v2 = s.expected.get(p);
        if (v1 != v2) {
            racedReads.increment();
            return;
        }
        if (failure != null) {
            ioError("read", failure);
            lost(s, p, v1, "read failed: " + failure.getMessage());
            return;
        }
        boolean ok;
        if (v1 == ZEROS) {
            ok = PageData.isZero(got);
        } else {
            PageData.fill(want, s.seed, p, v1);
            ok = Arrays.equals(want, got);
        }
        pagesVerified.increment();
        if (!ok) {
            lost(s, p, v1, "content differs");
        }
    }

    private void lost(Slot s, int p, long version, String how) {
        dataLost.increment();
        if (lossSamples.size() < 10) {
            lossSamples.add(String.format(Locale.ROOT, "zram%d page %d (%s, generation %d): %s", s.id, p,
                    version == ZEROS ? "discarded" : "version " + version, s.gen, how));
        }
    }

    // =============================================================================== devices: readers

    private void readerLoop(Slot[] slots, long seed) {
        SplittableRandom rnd = new SplittableRandom(cfg.seed() * 7919 + seed);
        byte[] want = new byte[PAGE];
        byte[] got = new byte[PAGE];
        while (!stop.get()) {
            Thread.interrupted();
            Slot s = slots[rnd.nextInt(slots.length)];
            boolean did = false;
            if (s.sessionLock.readLock().tryLock()) {
                try {
                    Session ss = s.session;
                    if (ss != null) {
                        for (int i = 0; i < 32 && !stop.get(); i++) {
                            verify(s, ss, rnd.nextInt(ss.pages()), want, got);
                        }
                        did = true;
                    }
                } finally {
                    s.sessionLock.readLock().unlock();
                }
            }
            if (!did) {
                sleepMs(2);
            } else {
                Thread.yield();
            }
        }
    }

    // =============================================================================== sysfs writers

    private void sysfsLoop(int index) {
        SplittableRandom rnd = new SplittableRandom(cfg.seed() * 104_729 + index);
        int extra = cfg.hotAdd() ? 2 : 0;
        while (!stop.get()) {
            Thread.interrupted();
            if (m.zram().driver().isEmpty() && !unloading) {
                // zram is not loaded (or could not be loaded again): its files are gone, or left by a
                // broken unload (every touch oopses); keep touching them, slowly
                sleepMs(20 + rnd.nextInt(30));
            }
            boolean racing = window || unloading;
            int id = rnd.nextInt(10) < 8 || extra == 0 ? rnd.nextInt(cfg.devices()) : cfg.devices() + rnd.nextInt(extra);
            String base = "/sys/block/zram" + id + "/";
            if (racing) {
                // zram02.sh in loops: size, reset, size, reset ... against the unload
                if (rnd.nextBoolean()) {
                    store("disksize", base + "disksize", diskSizeValue(rnd));
                } else {
                    store("reset", base + "reset", "1");
                }
                // short pauses: with the owner references a store in flight holds the module, and rmmod
                // must find moments without one
                LockSupport.parkNanos(20_000L + rnd.nextInt(400_000));
                continue;
            }
            int op = rnd.nextInt(100);
            if (op < 14) {
                store("disksize", base + "disksize", diskSizeValue(rnd));
            } else if (op < 26) {
                store("reset", base + "reset", "1");
            } else if (op < 32) {
                store("comp_algorithm", base + "comp_algorithm", algorithms.get(rnd.nextInt(algorithms.size())));
            } else if (op < 35) {
                store("recomp_algorithm", base + "recomp_algorithm", "algo=" + algorithms.get(rnd.nextInt(algorithms.size())) + " priority=1");
            } else if (op < 38) {
                store("backing_dev", base + "backing_dev", backingFile(id).toString());
            } else if (op < 45) {
                long lim = switch (rnd.nextInt(4)) {
                    case 0 -> cfg.diskSize() / 2;
                    case 1 -> cfg.diskSize();
                    default -> 0;
                };
                long before = System.nanoTime();
                if (store("mem_limit", base + "mem_limit", Long.toString(lim)).equals("ok")) {
                    // a limit set, or one lifted (it was in force until then)
                    memLimitSetAt.merge(id, before, Math::max);
                }
            } else if (op < 48) {
                store("mem_used_max", base + "mem_used_max", "0");
            } else if (op < 56) {
                store("compact", base + "compact", "1");
            } else if (op < 64) {
                store("idle", base + "idle", "all");
            } else if (op < 72) {
                String[] modes = {"idle", "huge", "huge_idle", "incompressible", "page_index=" + rnd.nextInt((int) maxPages / 2)};
                store("writeback", base + "writeback", modes[rnd.nextInt(modes.length)]);
            } else if (op < 80) {
                String[] reqs = {"type=idle", "type=huge", "type=huge_idle", "type=idle threshold=2048", "max_pages=64"};
                store("recompress", base + "recompress", reqs[rnd.nextInt(reqs.length)]);
            } else if (op < 83) {
                store("algorithm_params", base + "algorithm_params", "level=" + (1 + rnd.nextInt(3)));
            } else {
                String[] stats = {"mm_stat", "io_stat", "debug_stat", "bd_stat", "initstate", "disksize", "comp_algorithm"};
                cat("stat", base + stats[rnd.nextInt(stats.length)]);
            }
            sleepMs(1 + rnd.nextInt(4));
        }
    }

    // =============================================================================== hot_add / hot_remove

    /** Adds extra devices, uses and verifies them, removes them; now and then tries to remove a main one. */
    private final class HotAdder {
        volatile boolean idle = true;

        void loop() {
            SplittableRandom rnd = new SplittableRandom(cfg.seed() * 15_485_863L);
            byte[] page = new byte[PAGE];
            byte[] back = new byte[PAGE];
            while (!stop.get()) {
                Thread.interrupted();
                if (window) {
                    idle = true;
                    sleepMs(2);
                    continue;
                }
                idle = false;
                if (window) {
                    idle = true;
                    continue;
                }
                try {
                    if (rnd.nextInt(4) == 0) {
                        store("hot_remove", "/sys/class/zram-control/hot_remove", Integer.toString(rnd.nextInt(cfg.devices())));
                    }
                    String id = cat("hot_add", "/sys/class/zram-control/hot_add");
                    if (id != null) {
                        int n = Integer.parseInt(id.strip());
                        if (n >= cfg.devices()) {
                            useAndRemove(n, rnd, page, back);
                        }
                    }
                } finally {
                    idle = true;
                }
                sleepMs(10 + rnd.nextInt(50));
            }
        }

        private void useAndRemove(int id, SplittableRandom rnd, byte[] page, byte[] back) {
            String sys = "/sys/block/zram" + id + "/";
            store("disksize", sys + "disksize", diskSizeValue(rnd));
            long seed = cfg.seed() * 31 + id * 1_000_003L + rnd.nextInt();
            try (MachineFile f = m.open("/dev/zram" + id, OpenFlag.RDWR)) {
                BlockDevice bdev = f.blockDevice();
                ZramDevice hotDev = device(id);
                long hotGen = hotDev == null ? -1 : generation(hotDev);
                long since = System.nanoTime();
                long pages = Math.min(bdev.capacity() / PAGE, 64);
                long[] ver = new long[(int) pages];
                for (int p = 0; p < pages && !stop.get(); p++) {
                    ver[p] = 1 + rnd.nextInt(1000);
                    PageData.fill(page, seed, p, ver[p]);
                    try {
                        bdev.write((long) p * PAGE, ByteBuffer.wrap(page));
                        writes.increment();
                        bytesWritten.add(PAGE);
                    } catch (IOException e) {
                        ver[p] = 0;
                        ioFailure(id, hotDev, hotGen, since, "write", e);
                    }
                }
                for (int p = 0; p < pages; p++) {
                    if (ver[p] == 0) {
                        continue;
                    }
                    PageData.fill(page, seed, p, ver[p]);
                    try {
                        bdev.read((long) p * PAGE, ByteBuffer.wrap(back));
                        reads.increment();
                        bytesRead.add(PAGE);
                        pagesVerified.increment();
                        if (!Arrays.equals(page, back)) {
                            dataLost.increment();
                            if (lossSamples.size() < 10) {
                                lossSamples.add("hot-added zram" + id + " page " + p + ": content differs");
                            }
                        }
                    } catch (IOException e) {
                        ioError("read", e);
                        dataLost.increment();
                    }
                }
                record("open", "ok", exiting);
            } catch (ErrnoException e) {
                record("open", e.errno().name(), exiting);
            }
            for (int tries = 0; tries < 5 && !stop.get(); tries++) {
                String r = store("hot_remove", "/sys/class/zram-control/hot_remove", Integer.toString(id));
                if (!r.equals("EBUSY")) {
                    break;
                }
                sleepMs(1 + rnd.nextInt(5));
            }
        }
    }

    // =============================================================================== module unload/reload

    private void load() {
        String outcome;
        try {
            m.modprobe("zram", "num_devices=" + cfg.devices(), "fixes=" + cfg.fixes().paramValue());
            outcome = "ok";
            ZramDriver d = m.zram().lastDriver();
            if (d != null && !drivers.contains(d)) {
                drivers.add(d);
            }
        } catch (ErrnoException e) {
            outcome = e.errno().name();
        } catch (KernelOops e) {
            outcome = "OOPS";
        }
        record("modprobe", outcome, false);
        if (outcome.equals("ok")) {
            reloads.incrementAndGet();
        } else {
            reloadFailures.incrementAndGet();
        }
    }

    private String rmmod() {
        unloading = true;
        String outcome;
        try {
            m.rmmod("zram");
            outcome = "ok";
        } catch (ErrnoException e) {
            outcome = e.errno().name();
        } catch (KernelOops e) {
            outcome = "OOPS";
        } finally {
            unloading = false;
            exiting = false;
        }
        record("rmmod", outcome, false);
        return outcome;
    }

    private void unloadLoop(Slot[] slots, HotAdder hotAdder) {
        SplittableRandom rnd = new SplittableRandom(cfg.seed() * 2_750_159L);
        long interval = Math.max(50, cfg.unloadInterval().toMillis());
        while (!stop.get()) {
            Thread.interrupted();
            sleepUntilStop(interval / 2 + rnd.nextLong(interval));
            if (stop.get()) {
                break;
            }
            boolean loaded = m.zram().driver().isPresent();
            if (loaded) {
                // with devices open: the loader answers "in use"
                if (rmmod().equals("ok")) {
                    afterUnload(rnd);
                    continue;
                }
            }
            window = true;
            try {
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (!allIdle(slots, hotAdder) && System.nanoTime() < deadline && !stop.get()) {
                    sleepMs(1);
                }
                if (!loaded) {
                    load(); // a failed reload earlier (EEXIST: a device left registered by exit)
                    continue;
                }
                long until = System.nanoTime() + 600_000_000L;
                while (System.nanoTime() < until && !stop.get()) {
                    if (rmmod().equals("ok")) {
                        afterUnload(rnd);
                        break;
                    }
                    LockSupport.parkNanos(50_000L + rnd.nextInt(500_000));
                }
            } finally {
                window = false;
            }
        }
    }

    private void afterUnload(SplittableRandom rnd) {
        unloadCycles.incrementAndGet();
        logWatch.poll();
        sleepMs(5 + rnd.nextInt(25)); // the sysfs writers find the files gone: ENOENT
        if (!stop.get()) {
            load();
        }
    }

    private static boolean allIdle(Slot[] slots, HotAdder hotAdder) {
        for (Slot s : slots) {
            if (!s.idle) {
                return false;
            }
        }
        return hotAdder == null || hotAdder.idle;
    }

    private String finalUnload() {
        if (m.zram().driver().isEmpty()) {
            return m.modules().find("zram").isPresent() ? "zram is not live" : "done";
        }
        String r = "?";
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline) {
            r = rmmod();
            if (r.equals("ok")) {
                return "done";
            }
            sleepMs(5);
        }
        return "rmmod failed: " + r;
    }

    /** The first bug reproduced so far whose description contains {@code text}, or null. */
    private String bugSoFar(String text) {
        logWatch.poll();
        StormReport.Leaks leaks = MachineVerdict.leaks(drivers, 0, "not yet");
        for (String b : MachineVerdict.bugs(logWatch, leaks.leakedDevices(), leaks.removedDevicesHoldingMemory(), reloadFailures.get(),
                breaker.drainers(), m.kernel().lockdep().circularVerdict())) {
            if (b.contains(text)) {
                return b;
            }
        }
        return null;
    }

    // =============================================================================== helpers

    private void sleepUntilStop(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!stop.get() && System.nanoTime() < end) {
            sleepMs(Math.min(20, Math.max(1, (end - System.nanoTime()) / 1_000_000L)));
        }
    }

    private static void sleepMs(long ms) {
        if (ms <= 0) {
            Thread.yield();
            return;
        }
        LockSupport.parkNanos(ms * 1_000_000L);
        Thread.interrupted();
    }

    /** The machine's whole kernel log after {@link #run} (for {@code --dmesg}). */
    public String dmesg() {
        return m == null ? "" : m.kernel().log().dmesg();
    }

    /** The splat lines of the run (BUG, WARNING, Oops, lockdep, hung task), at most {@code max}. */
    public List<String> splatLines(int max) {
        if (m == null) {
            return List.of();
        }
        return m.kernel().log().scan(0).hits().stream().limit(max).map(KernelLog.Record::format).toList();
    }

    @Override
    public String toString() {
        return "zram storm (fixes=" + cfg.fixes().paramValue() + ", seed " + cfg.seed() + ")";
    }
}
