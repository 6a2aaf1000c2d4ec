#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# benchmarks/run-all.sh [--quick] [--wait-quiet]
#
# Regenerates everything under benchmarks/results/ in one go:
#   1. builds benchmarks/target/benchmarks.jar and cli/target/jzram.jar;
#   2. unpacks the shared corpus to $CORPUS (default /tmp/mixed-128m.pages) if it is not there
#      and ../shared/corpus/mixed-128m.pages.xz is;
#   3. JMH (-prof gc, -prof CpuTimeProfiler, -rf json): codecs and device on the generated mix
#      (2,048 pages) and on every page of the corpus with 1 thread, the other benchmarks with 1
#      thread, and lz4 codec + device with each of $THREADS (default "2 4") threads;
#   4. benchmarks/kernel-compare.sh on the corpus with lz4, lzo-rle and lzo (where the kernel's
#      zram0 is usable);
#   5. jzram bench on the corpus with every algorithm (memory overhead per algorithm);
#   6. the results step: results.md and the PNG charts (io.jzram.benchmarks.report.Charts).
# Raw outputs stay in benchmarks/results/raw/. Takes about 15 minutes on 2 cores.
#
#   --quick       tiny iterations and one round each (checks the pipeline, numbers meaningless)
#   --wait-quiet  first wait (up to 30 min) until the 1-minute load average is below 0.5
# Environment: CORPUS, THREADS, JAVA (default java), OUT (default benchmarks/results).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
QUICK=0
WAIT=0
for a in "$@"; do
    case $a in
        --quick) QUICK=1 ;;
        --wait-quiet) WAIT=1 ;;
        -h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-all: unknown argument $a" >&2; exit 2 ;;
    esac
done
JAVA=${JAVA:-java}
OUT=${OUT:-$root/benchmarks/results}
RAW=$OUT/raw
CORPUS=${CORPUS:-/tmp/mixed-128m.pages}
THREADS=${THREADS:-"2 4"}
CORPUS_SHA=0ab58dad1419c9e3001b3aa57a11b9eee9fc484f3cc41ca398b6e954e6122508
load() { cut -d' ' -f1 /proc/loadavg; }
log() { echo "run-all [$(date +%H:%M:%S), load $(load)]: $*"; }

if [[ $WAIT == 1 ]]; then
    for ((i = 0; i < 60; i++)); do
        awk -v l="$(load)" 'BEGIN { exit !(l < 0.5) }' && break
        log "waiting for a quiet machine (load average below 0.5)"
        sleep 30
    done
fi

log "building"
mvn -B -ntp -pl benchmarks,cli -am package -DskipTests > /tmp/run-all-build.log 2>&1 || { tail -40 /tmp/run-all-build.log; exit 1; }

if [[ ! -s $CORPUS && -r $root/../shared/corpus/mixed-128m.pages.xz ]]; then
    log "unpacking the corpus to $CORPUS"
    xz -dc "$root/../shared/corpus/mixed-128m.pages.xz" > "$CORPUS"
    echo "$CORPUS_SHA  $CORPUS" | sha256sum -c --quiet || { echo "run-all: $CORPUS has the wrong sha256" >&2; exit 1; }
fi
pages=mix
[[ -s $CORPUS ]] && pages=mix,file:$CORPUS
big=mix
[[ -s $CORPUS ]] && big=file:$CORPUS

mkdir -p "$RAW"
rm -f "$RAW"/jmh-*.json "$RAW"/kernel-compare*.json "$RAW"/kernel-compare*.txt "$RAW"/bench.jsonl
if [[ $QUICK == 1 ]]; then
    ITER=(-wi 1 -i 1 -w 200ms -r 300ms -p count=256)   # count=256: the first 256 pages, also of the corpus
    REPEAT=1
else
    ITER=(-wi 3 -i 5 -w 1s -r 1s)
    REPEAT=3
fi
jmh() { # name, then JMH arguments
    local name=$1
    shift
    log "JMH $name"
    "$JAVA" -jar benchmarks/target/benchmarks.jar "$@" -f 1 "${ITER[@]}" -prof gc -prof io.jzram.benchmarks.CpuTimeProfiler -rf json -rff "$RAW/jmh-$name.json" \
        > "$RAW/jmh-$name.txt" 2>&1 || { tail -30 "$RAW/jmh-$name.txt"; exit 1; }
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
jmh t1-data 'CodecBenchmark|DeviceBenchmark' -t 1 -p pages="$pages"
jmh t1-other 'CopyBenchmark|SameFilledBenchmark|PoolBenchmark|MaintenanceBenchmark' -t 1
for t in $THREADS; do
    jmh "t$t" 'CodecBenchmark|DeviceBenchmark' -t "$t" -p algorithm=lz4 -p pages="$big"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

kernel_args=()
if [[ -s $CORPUS ]]; then
    for alg in lz4 lzo-rle lzo; do
        log "kernel-compare $alg"
        REPEAT=$REPEAT KC_JSON=$RAW/kernel-compare-$alg.json JAVA=$JAVA benchmarks/kernel-compare.sh "$CORPUS" "$alg" | tee "$RAW/kernel-compare-$alg.txt"
        [[ -s $RAW/kernel-compare-$alg.json ]] && kernel_args+=(--kernel "$RAW/kernel-compare-$alg.json")
    done
    for alg in lz4 lzo-rle lzo lz4hc zstd deflate; do
        log "jzram bench $alg"
        "$JAVA" -jar cli/target/jzram.jar bench --input "$CORPUS" --algorithm "$alg" --repeat "$REPEAT" --json 2>/dev/null >> "$RAW/bench.jsonl"
    done
else
    log "no corpus at $CORPUS: skipping kernel-compare and jzram bench"
fi
load2=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
jv=$("$JAVA" -version 2>&1 | head -1)
machine="$(nproc) CPUs ($cpu), $mem RAM, Linux $(uname -r), $jv; $(date -u +%Y-%m-%d)"
note="Load average (1, 5, 15 min): $load0 before JMH, $load1 after JMH, $load2 at the end.$([[ $QUICK == 1 ]] && echo ' QUICK RUN: numbers are not meaningful.' || true) Regenerate: \`benchmarks/run-all.sh\`."
bench_args=()
[[ -s $RAW/bench.jsonl ]] && bench_args=(--bench "$RAW/bench.jsonl")
jmh_args=()
for f in "$RAW"/jmh-*.json; do jmh_args+=(--jmh "$f"); done
log "charts"
"$JAVA" -cp benchmarks/target/benchmarks.jar io.jzram.benchmarks.report.Charts --out "$OUT" "${jmh_args[@]}" "${kernel_args[@]}" "${bench_args[@]}" \
    --machine "$machine" --note "$note"
log "done: $OUT/results.md"
