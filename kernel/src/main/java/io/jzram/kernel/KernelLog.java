// SPDX-License-Identifier: GPL-2.0-only
package io.jzram.kernel;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The kernel log buffer (kernel/printk/printk.c's ringbuffer, as {@code dmesg} shows it): a bounded
 * ring of one-line records, each with a sequence number, a level and a monotonic timestamp, printed
 * as {@code [   12.345678] text}.
 *
 * <p>Besides printk this class builds the multi-line reports the rest of the emulator emits: the
 * {@code WARN()} splat ({@code ------------[ cut here ]------------} ... {@code ---[ end trace ]---})
 * and the BUG/Oops splat. Every line is classified as it is logged ({@link SplatKind}), so a test
 * can take a {@link #marker()} and later {@link #scan(long)} everything since, the way the seed's
 * selftest greps dmesg, and a storm can count splats even after the ring wrapped.
 *
 * <p>Locking: one monitor guards the ring; a multi-line report is appended atomically so reports
 * from different threads never interleave. printk never blocks on anything else.
 */
public final class KernelLog {

    /** One line of the log. */
    public record Record(long seq, LogLevel level, long nanos, String text, SplatKind splat) {
        /** The line as dmesg prints it: {@code [    1.234567] text}. */
        public String format() {
            long micros = nanos / 1_000L;
            return String.format("[%5d.%06d] %s", micros / 1_000_000L, micros % 1_000_000L, text);
        }
    }

    /** What a scan found: the matching records and how many lines of each kind. */
    public record Scan(List<Record> hits, Map<SplatKind, Integer> counts, long dropped) {
        public boolean clean() {
            return hits.isEmpty();
        }

        public int count(SplatKind kind) {
            return counts.getOrDefault(kind, 0);
        }

        /** The matching lines, formatted, one per line. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            for (Record r : hits) {
                sb.append(r.format()).append('\n');
            }
            if (dropped > 0) {
                sb.append("(").append(dropped).append(" older records were overwritten)\n");
            }
            return sb.toString();
        }
    }

    private final Kernel kernel;
    private final Record[] ring;
    private long nextSeq;
    private long clearedBelow;
    private final AtomicLongArray splatTotals = new AtomicLongArray(SplatKind.values().length);

    KernelLog(Kernel kernel, int capacity) {
        if (capacity < 16) {
            throw new IllegalArgumentException("log capacity " + capacity + " is below 16 records");
        }
        this.kernel = kernel;
        this.ring = new Record[capacity];
    }

    // ---------------------------------------------------------------- printk

    /** printk at a level; text may hold several lines, each becomes one record. */
    public void printk(LogLevel level, String text) {
        synchronized (this) {
            appendLocked(level, text);
        }
    }

    public void info(String text) {
        printk(LogLevel.INFO, text);
    }

    public void notice(String text) {
        printk(LogLevel.NOTICE, text);
    }

    public void warn(String text) {
        printk(LogLevel.WARNING, text);
    }

    public void err(String text) {
        printk(LogLevel.ERR, text);
    }

    /** A printer that prefixes every message like a driver's {@code pr_fmt} ({@code "zram: "}). */
    public Printer prefixed(String prefix) {
        return new Printer(this, prefix.endsWith(": ") ? prefix : prefix + ": ");
    }

    /** pr_info/pr_warn/pr_err with a fixed prefix. */
    public static final class Printer {
        private final KernelLog log;
        private final String prefix;

        Printer(KernelLog log, String prefix) {
            this.log = log;
            this.prefix = prefix;
        }

        public void info(String text) {
            log.printk(LogLevel.INFO, prefix + text);
        }

        public void notice(String text) {
            log.printk(LogLevel.NOTICE, prefix + text);
        }

        public void warn(String text) {
            log.printk(LogLevel.WARNING, prefix + text);
        }

        public void err(String text) {
            log.printk(LogLevel.ERR, prefix + text);
        }
    }

    private void appendLocked(LogLevel level, String text) {
        long nanos = kernel.uptimeNanos();
        int start = 0;
        int len = text.length();
        if (len > 0 && text.charAt(len - 1) == '\n') {
            len--;
        }
        do {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 || nl > len ? len : nl;
            String line = text.substring(start, end);
            SplatKind kind = SplatKind.classify(line);
            if (kind != null) {
                splatTotals.incrementAndGet(kind.ordinal());
            }
            long seq = nextSeq++;
            ring[(int) (seq % ring.length)] = new Record(seq, level, nanos, line, kind);
            start = end + 1;
        } while (start <= len);
    }

    // ---------------------------------------------------------------- splats

    /**
     * {@code WARN(1, fmt, ...)}: the cut-here block with the message, the {@code WARNING:} line
     * naming the kernel source location, the modules, the task and the caller's (Java) stack. Sets
     * taint W. {@code location} is like {@code "kernel/cpu.c:2385 __cpuhp_remove_state_cpuslocked"}.
     */
    public void warnSplat(String location, String message) {
        StringBuilder sb = new StringBuilder();
        sb.append("------------[ cut here ]------------\n");
        if (message != null && !message.isEmpty()) {
            sb.append(message.endsWith("\n") ? message : message + "\n");
        }
        String[] loc = location.split(" ", 2);
        sb.append("WARNING: CPU: ").append(kernel.currentCpu()).append(" PID: ").append(Kernel.pid(Thread.currentThread()))
                .append(" at ").append(loc[0]).append(' ').append(loc.length > 1 ? loc[1] : "").append("+0x0/0x0\n");
        sb.append("Modules linked in: ").append(kernel.modules().linkedInDescription()).append('\n');
        kernel.taint('W');
        sb.append(taskLine(Thread.currentThread())).append('\n');
        appendCallTrace(sb, Thread.currentThread().getStackTrace(), 2);
        sb.append("---[ end trace 0000000000000000 ]---");
        printk(LogLevel.WARNING, sb.toString());
    }

    /**
     * A BUG + Oops splat, e.g. for a call into an unloaded module's text:
     * {@code BUG: unable to handle page fault for address: ffffffffc0a01000}. Sets taint D.
     */
    public void oopsSplat(String bugLine, List<String> details, String rip) {
        StringBuilder sb = new StringBuilder();
        sb.append(bugLine).append('\n');
        for (String d : details) {
            sb.append(d).append('\n');
        }
        int oopsNo = kernel.nextOopsNumber();
        sb.append("Oops: 0010 [#").append(oopsNo).append("] SMP NOPTI\n");
        sb.append(taskLine(Thread.currentThread())).append('\n');
        kernel.taint('D');
        sb.append("RIP: 0010:").append(rip).append('\n');
        appendCallTrace(sb, Thread.currentThread().getStackTrace(), 2);
        sb.append("Modules linked in: ").append(kernel.modules().linkedInDescription()).append('\n');
        sb.append("---[ end trace 0000000000000000 ]---");
        printk(LogLevel.EMERG, sb.toString());
    }

    /** {@code CPU: 1 UID: 0 PID: 1234 Comm: rmmod Not tainted 6.18.44-jzram #1}. */
    String taskLine(Thread t) {
        return "CPU: " + kernel.cpuOf(t) + " UID: 0 PID: " + Kernel.pid(t) + " Comm: " + Kernel.comm(t) + " "
                + kernel.taintDescription() + " " + kernel.release() + " #1";
    }

    /** Appends a kernel-style call trace made of Java frames, skipping the first {@code skip}. */
    static void appendCallTrace(StringBuilder sb, StackTraceElement[] frames, int skip) {
        sb.append("Call Trace:\n <TASK>\n");
        int shown = 0;
        for (int i = Math.min(skip, frames.length); i < frames.length && shown < 40; i++, shown++) {
            StackTraceElement f = frames[i];
            sb.append(' ').append(frameSymbol(f)).append('\n');
        }
        sb.append(" </TASK>\n");
    }

    /** A Java frame as a kernel symbol: {@code ZramDevice.reset+0x4f/0x0 (ZramDevice.java:123)}. */
    static String frameSymbol(StackTraceElement f) {
        String cls = f.getClassName();
        int dot = cls.lastIndexOf('.');
        return cls.substring(dot + 1) + "." + f.getMethodName() + "+0x" + Integer.toHexString(Math.max(0, f.getLineNumber()))
                + " (" + f.getFileName() + ":" + f.getLineNumber() + ")";
    }

    // ---------------------------------------------------------------- reading

    /** The sequence number the next record will get: scan from here later. */
    public synchronized long marker() {
        return nextSeq;
    }

    /** Every record still in the ring with seq >= marker, oldest first. */
    public synchronized List<Record> since(long marker) {
        long from = Math.max(marker, firstAvailable());
        List<Record> out = new ArrayList<>((int) Math.max(0, nextSeq - from));
        for (long s = from; s < nextSeq; s++) {
            out.add(ring[(int) (s % ring.length)]);
        }
        return out;
    }

    /** Scans every record since the marker for splat lines (BUG, WARNING, Oops, lockdep, hung task). */
    public Scan scan(long marker) {
        long dropped;
        List<Record> records;
        synchronized (this) {
            dropped = Math.max(0, Math.max(0, nextSeq - ring.length) - marker);
            records = since(marker);
        }
        List<Record> hits = new ArrayList<>();
        Map<SplatKind, Integer> counts = new EnumMap<>(SplatKind.class);
        for (Record r : records) {
            if (r.splat() != null) {
                hits.add(r);
                counts.merge(r.splat(), 1, Integer::sum);
            }
        }
        return new Scan(List.copyOf(hits), Map.copyOf(counts), dropped);
    }

    /** Lines of each splat kind logged since boot, even those the ring has overwritten since. */
    public long splatTotal(SplatKind kind) {
        return splatTotals.get(kind.ordinal());
    }

    /** dmesg: every record in the ring, formatted, one per line. */
    public String dmesg() {
        return format(since(0));
    }

    /** The records since a marker, formatted as dmesg prints them. */
    public String dmesgSince(long marker) {
        return format(since(marker));
    }

    private static String format(List<Record> records) {
        StringBuilder sb = new StringBuilder();
        for (Record r : records) {
            sb.append(r.format()).append('\n');
        }
        return sb.toString();
    }

    /** Empties the ring (dmesg -C); sequence numbers and splat totals go on. */
    public synchronized void clear() {
        clearedBelow = nextSeq;
    }

    /** The first sequence number dmesg can still show. */
    private long firstAvailable() {
        return Math.max(clearedBelow, Math.max(0, nextSeq - ring.length));
    }
}
