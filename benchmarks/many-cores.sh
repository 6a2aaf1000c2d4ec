#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# benchmarks/many-cores.sh — thread scaling on a machine with many cores and no Java (issue 7's
# "16 cores"): device write/read against raw lz4-java in the same JMH run, 1..N threads.
#
#   benchmarks/many-cores.sh prepare [DIR]   here: builds benchmarks.jar, a small JRE (jlink:
#                                            java.base, jdk.unsupported, java.management and
#                                            java.naming, which Chronicle Bytes needs; ~45 MB)
#                                            and this script into DIR (default .many-cores, which
#                                            .gitignore ignores)
#   DIR/many-cores.sh run [DIR] [THREADS]    there: JMH for each thread count (default
#                                            "1 2 4 8 16") on generated pages (no files to carry),
#                                            raw JSON and a table under $OUT (default DIR/out)
#
# One prepared command on the lent machine (carry DIR), e.g.:
#   bash .many-cores/many-cores.sh run .many-cores "1 2 4 8 16"
# About 40 s per thread count (4 benchmarks x (2 x 1 s warm-up + 3 x 1 s) + forks).
set -euo pipefail

cmd=${1:-}
dir=${2:-.many-cores}
case $cmd in
prepare)
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cd "$root"
    mvn -B -ntp -pl benchmarks -am package -DskipTests > /tmp/many-cores-build.log 2>&1 \
        || { tail -30 /tmp/many-cores-build.log; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    jlink --add-modules java.base,jdk.unsupported,java.management,java.naming --strip-debug --no-man-pages \
        --no-header-files --compress=2 --output "$dir/jre"
    cp benchmarks/target/benchmarks.jar "$dir/"
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
    ;;
*)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
