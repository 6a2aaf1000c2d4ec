#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# benchmarks/many-cores.sh — thread scaling on a machine with many cores and no Java (issue 7's
# "16 cores"): device write/read against raw lz4-java in the same JMH run, 1..N threads, and
# jzram bench (write and read in requests of 1 MiB, against the raw codec) with 1..N threads.
#
#   benchmarks/many-cores.sh prepare [DIR]   here: builds benchmarks.jar and jzram.jar, a small JRE
#                                            (jlink: java.base, jdk.unsupported, java.management
#                                            and java.naming, which Chronicle Bytes needs; ~35 MB),
#                                            copies both jars without the native libraries of other
#                                            platforms (and the charts library) and this script
#                                            into DIR (default .many-cores, which .gitignore
#                                            ignores); ~53 MB
#   DIR/many-cores.sh run [DIR] [THREADS]    there: JMH for each thread count (default
#                                            "1 2 4 8 16") and jzram bench on generated pages (no
#                                            files to carry), raw JSON and two tables under $OUT
#                                            (default DIR/out)
#
# One prepared command on the lent machine (carry DIR), e.g.:
#   bash .many-cores/many-cores.sh run .many-cores "1 2 4 8 16"
# About 40 s per thread count for JMH (4 benchmarks x (2 x 1 s warm-up + 3 x 1 s) + forks) and
# 10 s for jzram bench.
set -euo pipefail

cmd=${1:-}
dir=${2:-.many-cores}
case $cmd in
prepare)
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cd "$root"
    mvn -B -ntp -pl benchmarks,cli -am package -DskipTests > /tmp/many-cores-build.log 2>&1 \
        || { tail -30 /tmp/many-cores-build.log; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    jlink --add-modules java.base,jdk.unsupported,java.management,java.naming --strip-debug --no-man-pages \
        --no-header-files --compress=2 --output "$dir/jre"
    cp benchmarks/target/benchmarks.jar cli/target/jzram.jar "$dir/"
    # only linux/amd64's native libraries travel (the carry is 64 MiB at most)
    for j in "$dir/benchmarks.jar" "$dir/jzram.jar"; do
        zip -q -d "$j" 'aix/*' 'win/*' 'freebsd/*' 'darwin/*' 'linux/ppc64*' 'linux/arm*' 'linux/i386/*' 'linux/riscv64/*' \
            'linux/s390x/*' 'linux/mips64/*' 'linux/loongarch64/*' 'linux/aarch64/*' 'net/jpountz/util/win32/*' \
            'net/jpountz/util/darwin/*' 'net/jpountz/util/windows/*' 'net/jpountz/util/linux/aarch64/*' \
            'net/jpountz/util/linux/ppc64le/*' 'net/jpountz/util/linux/s390x/*' 'net/jpountz/util/linux/i386/*' \
            'com/sun/jna/aix*' 'com/sun/jna/win32*' 'com/sun/jna/darwin*' 'com/sun/jna/sunos*' 'com/sun/jna/freebsd*' \
            'com/sun/jna/openbsd*' 'com/sun/jna/dragonfly*' 'com/sun/jna/linux-arm*' 'com/sun/jna/linux-ppc*' \
            'com/sun/jna/linux-mips*' 'com/sun/jna/linux-s390x*' 'com/sun/jna/linux-aarch64*' 'com/sun/jna/linux-x86/*' \
            'com/sun/jna/linux-riscv*' 'com/sun/jna/linux-loong*' 'jni/Darwin/*' 'jni/*OpenBSD*' 'jni/*FreeBSD*' \
            'jni/*Windows*' 'jni/*SunOS*' 'jni/*AIX*' 'jni/*DragonFly*' 'jni/arm*' 'jni/aarch64*' 'jni/ppc*' 'jni/i386*' \
            'jni/s390x*' 'jni/mips*' 'jni/sparc*' > /dev/null 2>&1 || true
    done
    zip -q -d "$dir/benchmarks.jar" 'org/jfree/*' > /dev/null 2>&1 || true
    cp benchmarks/many-cores.sh "$dir/"
    if git check-ignore -q "$dir/benchmarks.jar"; then
        echo "many-cores: $dir is ignored by git: pass it in carry"
    else
        echo "many-cores: $dir is not ignored by git: add it to .git/info/exclude before passing it in carry" >&2
    fi
    du -sh "$dir"
    ;;
run)
    threads=${3:-"1 2 4 8 16"}
    out=${OUT:-$dir/out}
    java=$dir/jre/bin/java
    mkdir -p "$out"
    echo "many-cores: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
        "$(uname -r), $("$java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
    for t in $threads; do
        # JMH forks with the same java; -p pins one configuration of each benchmark.
        "$java" -jar "$dir/benchmarks.jar" 'CodecBenchmark\.(compress|decompress)$|DeviceBenchmark\.(write|read)$' \
            -t "$t" -f 1 -wi 2 -w 1s -i 3 -r 1s -p algorithm=lz4 -p pages=mix -p pattern=seq -p storm=0 \
            -p cpus="$(( t > 8 ? t : 8 ))" -rf json -rff "$out/jmh-t$t.json" > "$out/jmh-t$t.txt" 2>&1 \
            || { tail -20 "$out/jmh-t$t.txt"; exit 1; }
        if grep -q -E '^(java|Caused by|Exception)|<failure>' "$out/jmh-t$t.txt"; then # JMH exits 0 anyway
            grep -m 5 -E '^(java|Caused by|Exception)|<failure>' "$out/jmh-t$t.txt" >&2
            exit 1
        fi
        echo "many-cores: $t threads done"
    done
    # One line per thread count: MB/s (one op = one 4 KiB page) and the device / codec ratios.
    printf '%7s %12s %12s %8s %12s %12s %8s\n' threads "dev write" "lz4 comp" ratio "dev read" "lz4 decomp" ratio
    for t in $threads; do
        grep -E '^(Codec|Device)Benchmark\.(compress|decompress|write|read) ' "$out/jmh-t$t.txt" |
            awk -v t="$t" '{ s[$1] = $(NF - 3) * 4096 / 1e6 }
                END { printf "%7d %12.0f %12.0f %8.3f %12.0f %12.0f %8.3f\n", t,
                      s["DeviceBenchmark.write"], s["CodecBenchmark.compress"], s["DeviceBenchmark.write"] / s["CodecBenchmark.compress"],
                      s["DeviceBenchmark.read"], s["CodecBenchmark.decompress"], s["DeviceBenchmark.read"] / s["CodecBenchmark.decompress"] }'
    done | tee "$out/table.txt"
    # jzram bench: 128 MiB of generated pages, lz4, 1 MiB requests, each thread its contiguous share,
    # a fresh device each round on one machine kept across the rounds; the raw codec alongside
    rm -f "$out/bench.jsonl"
    for t in $threads; do
        "$java" -jar "$dir/jzram.jar" bench --size 128M --threads "$t" --block-size 1M --repeat 3 --warmup 1 --json \
            2> "$out/bench-t$t.err" >> "$out/bench.jsonl" || { tail -5 "$out/bench-t$t.err"; exit 1; }
    done
    printf '%7s %12s %12s %8s %12s %12s %8s\n' threads "bench write" "codec comp" ratio "bench read" "codec decomp" ratio
    awk -F'"(threads|writeMBps|readMBps|codecCompressMBps|codecDecompressMBps)": ' '{
            split($2, t, ","); split($3, w, ","); split($4, r, ","); split($5, c, ","); split($6, d, ",")
            printf "%7d %12.0f %12.0f %8.3f %12.0f %12.0f %8.3f\n", t[1], w[1], c[1], w[1] / c[1], r[1], d[1], r[1] / d[1] }' \
        "$out/bench.jsonl" | tee "$out/bench-table.txt"
    ;;
*)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
