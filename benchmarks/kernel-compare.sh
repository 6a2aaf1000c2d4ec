#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# benchmarks/kernel-compare.sh FILE [ALGORITHM]
#
# The same pages through the machine's own zram (/dev/zram0, with dd and O_DIRECT) and through
# jzram (`jzram bench`), with the same algorithm, request sizes and thread counts, in one run:
#   bs=4k and bs=1M, 1 writer and 2 writers on the two halves of the file (reads likewise),
#   each the median of $REPEAT rounds on a fresh device;
# prints one table (kernel MB/s, jzram MB/s, ratio; jzram's raw codec alongside) and the two
# mm_stat lines (bs=4k, 1 writer) field by field with their differences. MB = 10^6 bytes.
#
# How each side reads its input, inside its timing (the file is read whole into the page cache
# first, untimed, so neither side reads the disk):
#   kernel: dd if=FILE of=/dev/zram0 oflag=direct: each block is read(2) from the page cache into
#     dd's buffer, then written with O_DIRECT (zram compresses in dd's context); a read is
#     dd if=/dev/zram0 iflag=direct of=/dev/null into dd's one reused buffer. Each writer/reader
#     is its own dd process; the figure runs from before the first dd starts to after the last ends.
#   jzram: jzram bench --input FILE: each writer thread pread(2)s each request of the file from the
#     page cache into its own direct buffer, then writes it to the device; a reader reads each
#     request into its one reused direct buffer. The figure runs from the first thread's own start
#     to the last thread's end. Each round's device is fresh, on one emulated machine kept across
#     the rounds, whose free pages keep what the previous round's device freed (as the kernel keeps
#     zram0's freed pages across the resets between dd rounds); jzram bench also verifies every
#     page, untimed.
#
# Needs root and a usable /sys/block/zram0 (disksize 0); otherwise it says why and exits 0.
# Holds an exclusive flock on /tmp/jzram-real-zram0.lock while it uses zram0 (other tests use
# zram0 too) and leaves zram0 reset.
#
# Environment: REPEAT (default 3), JZRAM_JAR (default cli/target/jzram.jar next to this script),
# JAVA (default java), KC_JSON (if set, the results are also written there as one JSON object,
# which benchmarks/results' chart step reads), LOCK_WAIT (seconds to wait for the lock, default 600).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FILE=${1:-}
ALG=${2:-lz4}
REPEAT=${REPEAT:-3}
JAVA=${JAVA:-java}
JZRAM_JAR=${JZRAM_JAR:-$here/../cli/target/jzram.jar}
LOCK=/tmp/jzram-real-zram0.lock
LOCK_WAIT=${LOCK_WAIT:-600}
Z=/sys/block/zram0

say() { echo "kernel-compare: $*"; }

if [[ -z "$FILE" || "$FILE" == -h || "$FILE" == --help ]]; then
    sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
[[ -r "$FILE" ]] || { say "cannot read $FILE"; exit 2; }
if [[ $(id -u) -ne 0 ]]; then
    say "needs root to use /dev/zram0; not comparing (exit 0)"
    exit 0
fi
if [[ ! -d $Z || ! -b /dev/zram0 ]]; then
    say "no /sys/block/zram0 or /dev/zram0 here (modprobe zram?); not comparing (exit 0)"
    exit 0
fi
[[ -r "$JZRAM_JAR" ]] || { say "no $JZRAM_JAR: build it first (mvn -B -pl cli -am package -DskipTests)"; exit 2; }

exec 9>"$LOCK"
if ! flock -x -w "$LOCK_WAIT" 9; then
    say "zram0 stayed locked by someone else ($LOCK) for ${LOCK_WAIT}s; not comparing (exit 0)"
    exit 0
fi
if [[ $(cat $Z/disksize) != 0 ]]; then
    say "zram0 is in use (disksize $(cat $Z/disksize)); not touching it (exit 0)"
    exit 0
fi
if ! grep -qw -- "$ALG" $Z/comp_algorithm; then
    say "the kernel's zram offers $(tr -d '[]' < $Z/comp_algorithm | xargs), not $ALG; nothing to compare (exit 0)"
    exit 0
fi
if ! echo 1 > $Z/reset 2>/dev/null; then
    say "cannot reset zram0 (busy?); not comparing (exit 0)"
    exit 0
fi
trap 'echo 1 > '$Z'/reset 2>/dev/null || true' EXIT

size=$(stat -c %s "$FILE")
pages=$((size / 4096))
nbytes=$((pages * 4096))
(( pages > 0 )) || { say "$FILE holds no whole 4096-byte page"; exit 2; }
disk=$(( (nbytes + 1048575) / 1048576 * 1048576 ))
half=$(( pages / 2 * 4096 ))
cat "$FILE" > /dev/null   # in the page cache: both sides read it from there inside their timing (see the header)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

now() { date +%s%N; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fresh() {
    echo 1 > $Z/reset
    echo "$ALG" > $Z/comp_algorithm
    echo "$disk" > $Z/disksize
}
# dd_part OP BS SKIP COUNT: one writer or reader on bytes [SKIP, SKIP+COUNT) of the file/device
dd_part() {
    local op=$1 bs=$2 skip=$3 count=$4
    if [[ $op == write ]]; then
        dd if="$FILE" of=/dev/zram0 bs="$bs" oflag=direct,seek_bytes iflag=skip_bytes,count_bytes \
            skip="$skip" seek="$skip" count="$count" status=none
    else
        dd if=/dev/zram0 of=/dev/null bs="$bs" iflag=direct,skip_bytes,count_bytes skip="$skip" count="$count" status=none
    fi
}
# timed OP BS WRITERS: prints the nanoseconds for the whole file, then the writers' mean CPU
# nanoseconds (user + system: zram compresses in the writer's context, so this is the kernel's work)
timed() {
    local op=$1 bs=$2 n=$3 t0 t1 tf
    tf=$(mktemp)
    t0=$(now)
    if [[ $n == 1 ]]; then
        ( TIMEFORMAT='%U %S'; time dd_part "$op" "$bs" 0 "$nbytes" ) 2>> "$tf"
    else
        ( TIMEFORMAT='%U %S'; time dd_part "$op" "$bs" 0 "$half" ) 2>> "$tf" &
        local p1=$!
        ( TIMEFORMAT='%U %S'; time dd_part "$op" "$bs" "$half" $((nbytes - half)) ) 2>> "$tf" &
        local p2=$!
        wait $p1
        wait $p2
    fi
    t1=$(now)
    echo $((t1 - t0)) "$(awk -v n="$n" '{ c += $1 + $2 } END { printf "%.0f", c * 1e9 / n }' "$tf")"
    rm -f "$tf"
}
jfield() { grep -o "\"$2\": [-0-9.]*" <<< "$1" | head -1 | awk '{ print $2 }'; }
jmm() { grep -o '"mmStat": \[[0-9, ]*\]' <<< "$1" | sed 's/.*\[//; s/\]//; s/,//g'; }

say "$FILE: $nbytes bytes ($pages pages), $ALG, median of $REPEAT rounds per figure, fresh device each round"
say "kernel $(uname -r), $(nproc) CPUs, load average at start $load0"

declare -a rows=()
kmm="" jmm_line="" verified="not checked" jsons=()
for cfg in "4096 1" "1048576 1" "4096 2" "1048576 2"; do
    read -r bs n <<< "$cfg"
    label="bs=$([[ $bs == 4096 ]] && echo 4k || echo 1M) $n writer$([[ $n == 2 ]] && echo s || true)"
    kw=() kr=() kwc=() krc=()
    for ((i = 0; i < REPEAT; i++)); do
        fresh
        read -r wall cpu <<< "$(timed write "$bs" "$n")"
        kw+=("$(mbps $nbytes "$wall")")
        kwc+=("$(mbps $nbytes "$cpu")")
        read -r wall cpu <<< "$(timed read "$bs" "$n")"
        kr+=("$(mbps $nbytes "$wall")")
        krc+=("$(mbps $nbytes "$cpu")")
        if [[ $bs == 4096 && $n == 1 && $i == $((REPEAT - 1)) ]]; then
            kmm=$(cat $Z/mm_stat)
            if cmp -s <(dd if=/dev/zram0 bs=1M iflag=direct,count_bytes count=$nbytes status=none) <(head -c $nbytes "$FILE"); then
                verified="kernel read back every page as written"
            else
                verified="KERNEL READ BACK DIFFERS FROM THE FILE"
            fi
        fi
    done
    echo 1 > $Z/reset
    kwm=$(median "${kw[@]}")
    krm=$(median "${kr[@]}")
    kwcm=$(median "${kwc[@]}")
    krcm=$(median "${krc[@]}")
    js=$("$JAVA" -jar "$JZRAM_JAR" bench --input "$FILE" --algorithm "$ALG" --threads "$n" --block-size "$bs" --repeat "$REPEAT" --json 2>/tmp/kernel-compare-jzram.err) \
        || { say "jzram bench failed ($label):"; cat /tmp/kernel-compare-jzram.err; exit 1; }
    jsons+=("$js")
    jw=$(jfield "$js" writeMBps)
    jr=$(jfield "$js" readMBps)
    cc=$(jfield "$js" codecCompressMBps)
    cd=$(jfield "$js" codecDecompressMBps)
    jwc=$(jfield "$js" writeCpuMBps)
    jrc=$(jfield "$js" readCpuMBps)
    ccc=$(jfield "$js" codecCompressCpuMBps)
    [[ $bs == 4096 && $n == 1 ]] && jmm_line=$(jmm "$js")
    rows+=("$label|$kwm|$jw|$krm|$jr|$cc|$cd|${kw[*]}|${kr[*]}|$bs|$n|$kwcm|$jwc|$krcm|$jrc|$ccc")
    say "  $label: kernel write ${kw[*]} read ${kr[*]}; jzram write $jw read $jr"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo
printf '%-16s %12s %12s %7s %12s %12s %7s %12s %12s %7s\n' config "kernel write" "jzram write" ratio "kernel read" "jzram read" ratio \
    "codec comp" "codec decomp" "w/comp"
for r in "${rows[@]}"; do
    IFS='|' read -r label kwm jw krm jr cc cd _ <<< "$r"
    awk -v l="$label" -v kw="$kwm" -v jw="$jw" -v kr="$krm" -v jr="$jr" -v cc="$cc" -v cd="$cd" 'BEGIN {
        printf "%-16s %12.1f %12.1f %7.3f %12.1f %12.1f %7.3f %12.1f %12.1f %7.3f\n", l, kw, jw, jw / kw, kr, jr, jr / kr, cc, cd, jw / cc }'
done
echo
echo "The same per CPU-second of the writers/readers (dd's user+system time, jzram's thread CPU time; robust to other load):"
printf '%-16s %12s %12s %7s %12s %12s %7s %12s %7s\n' config "kernel write" "jzram write" ratio "kernel read" "jzram read" ratio "codec comp" "w/comp"
for r in "${rows[@]}"; do
    IFS='|' read -r label _ _ _ _ _ _ _ _ _ _ kwc jwc krc jrc ccc <<< "$r"
    awk -v l="$label" -v kw="$kwc" -v jw="$jwc" -v kr="$krc" -v jr="$jrc" -v cc="$ccc" 'BEGIN {
        printf "%-16s %12.1f %12.1f %7.3f %12.1f %12.1f %7.3f %12.1f %7.3f\n", l, kw, jw, jw / kw, kr, jr, jr / kr, cc, jw / cc }'
done
scale() { # scale row_a row_b column
    local a b
    IFS='|' read -r -a a <<< "${rows[$1]}"
    IFS='|' read -r -a b <<< "${rows[$2]}"
    awk -v x="${a[$3]}" -v y="${b[$3]}" 'BEGIN { printf "%.2f", y / x }'
}
echo "2 writers / 1 writer: bs=4k kernel write x$(scale 0 2 1) read x$(scale 0 2 3), jzram write x$(scale 0 2 2) read x$(scale 0 2 4);" \
    "bs=1M kernel write x$(scale 1 3 1) read x$(scale 1 3 3), jzram write x$(scale 1 3 2) read x$(scale 1 3 4)"
echo "load average: $load0 at start, $load1 at the end; $verified; jzram verifies its own read-back"

echo
names=(orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages pages_compacted huge_pages huge_pages_since)
read -r -a K <<< "$kmm"
read -r -a J <<< "$jmm_line"
echo "mm_stat after writing and reading the file (bs=4k, 1 writer):"
printf '  kernel %s\n  jzram  %s\n' "$kmm" "$(printf '%8s ' "${J[@]}")"
printf '%-18s %14s %14s %12s %9s\n' field kernel jzram "jzram-kern" "diff %"
for i in "${!names[@]}"; do
    awk -v f="${names[$i]}" -v k="${K[$i]:-0}" -v j="${J[$i]:-0}" 'BEGIN {
        p = k == 0 ? (j == 0 ? "0.00" : "n/a") : sprintf("%+.2f", 100 * (j - k) / k)
        printf "%-18s %14d %14d %12d %9s\n", f, k, j, j - k, p }'
done

if [[ -n "${KC_JSON:-}" ]]; then
    {
        printf '{"file": "%s", "bytes": %d, "pages": %d, "algorithm": "%s", "repeat": %d, "kernel": "%s", "cpus": %d, ' \
            "$FILE" "$nbytes" "$pages" "$ALG" "$REPEAT" "$(uname -r)" "$(nproc)"
        printf '"loadStart": "%s", "loadEnd": "%s", "configs": [' "$load0" "$load1"
        sep=""
        for r in "${rows[@]}"; do
            IFS='|' read -r label kwm jw krm jr cc cd kwr krr bs n kwc jwc krc jrc ccc <<< "$r"
            printf '%s{"label": "%s", "blockSize": %d, "threads": %d, "kernelWriteMBps": %s, "jzramWriteMBps": %s, "kernelReadMBps": %s, "jzramReadMBps": %s, "codecCompressMBps": %s, "codecDecompressMBps": %s, "kernelWriteCpuMBps": %s, "jzramWriteCpuMBps": %s, "kernelReadCpuMBps": %s, "jzramReadCpuMBps": %s, "codecCompressCpuMBps": %s, "kernelWriteRuns": [%s], "kernelReadRuns": [%s]}' \
                "$sep" "$label" "$bs" "$n" "$kwm" "$jw" "$krm" "$jr" "$cc" "$cd" "$kwc" "$jwc" "$krc" "$jrc" "$ccc" "${kwr// /, }" "${krr// /, }"
            sep=", "
        done
        printf '], "kernelMmStat": [%s], "jzramMmStat": [%s], "jzram": [' "$(xargs <<< "$kmm" | sed 's/ /, /g')" "$(xargs <<< "$jmm_line" | sed 's/ /, /g')"
        sep=""
        for j in "${jsons[@]}"; do
            printf '%s%s' "$sep" "$j"
            sep=", "
        done
        printf ']}\n'
    } > "$KC_JSON"
    say "results also in $KC_JSON"
fi
