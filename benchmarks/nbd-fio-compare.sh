#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Speed comparison (not a test): the same fio jobs over NBD on Unix sockets against
#   jzram      java -jar cli/target/jzram.jar serve (one zram device, lz4 unless JZRAM_ALGORITHM)
#   nbdkit-zstd    nbdkit memory SIZE allocator=zstd
#   nbdkit-sparse  nbdkit memory SIZE allocator=sparse
# Jobs: 4 KiB randwrite and randread, iodepth 1 and 16, numjobs 1 and 2 (each job on its own
# REGION), buffers 50 % compressible (buffer_compress_percentage=50, refill_buffers). Every
# target is first filled with such data (sequential 1 MiB writes), so reads hit stored pages. All
# targets run at once and take turns on each job, so other load on the machine hits them alike.
# Prints one table with IOPS and the ratios jzram/nbdkit-zstd and jzram/nbdkit-sparse, and checks
# the targets: write IOPS >= 2x nbdkit-zstd and read IOPS >= nbdkit-sparse at iodepth 16.
#
# Usage: benchmarks/nbd-fio-compare.sh [RUNTIME_SECONDS]   (default 10 s per job, ~5 min in all)
# Environment: REGION (per job, default 256M), JZRAM_CPUS (emulated CPUs, default serve's: 4, one
# compression stream per NBD worker thread), JZRAM_ALGORITHM (lz4),
# JZRAM_JAVA_OPTS, TARGETS (default "jzram nbdkit-zstd nbdkit-sparse").
set -euo pipefail
cd "$(dirname "$0")/.."

RUNTIME=${1:-10}
REGION=${REGION:-256M}
JAR=${JZRAM_JAR:-cli/target/jzram.jar}
CPUS=${JZRAM_CPUS:-4}
ALGORITHM=${JZRAM_ALGORITHM:-lz4}
TARGETS=${TARGETS:-"jzram nbdkit-zstd nbdkit-sparse"}
for t in fio nbdkit java; do
  command -v $t >/dev/null || { echo "nbd-fio-compare: $t is not installed" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "nbd-fio-compare: build $JAR first (mvn -B package -DskipTests)" >&2; exit 1; }

region_bytes=$(numfmt --from=iec "$REGION")
size_bytes=$((region_bytes * 2 + (64 << 20)))
work=$(mktemp -d /tmp/jzram-fio-compare.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do timeout 30 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_socket() {
  for _ in $(seq 1 600); do [ -S "$1" ] && return 0; sleep 0.1; done
  echo "nbd-fio-compare: no socket at $1" >&2; return 1
}

start_target() { # NAME -> sets URI (no subshell: the pid must be recorded here)
  local sock=$work/$1.sock
  case $1 in
    jzram)
      # shellcheck disable=SC2086
      java ${JZRAM_JAVA_OPTS:-} -jar "$JAR" serve --socket "$sock" --http-port 0 --cpus "$CPUS" --devices 1 \
        --disksize "$size_bytes" --algorithm "$ALGORITHM" >"$work/jzram.log" 2>&1 &
      pids+=($!)
      wait_for_socket "$sock"
      URI="nbd+unix:///zram0?socket=$sock" ;;
    nbdkit-zstd|nbdkit-sparse)
      nbdkit --foreground --unix "$sock" --threads 16 memory "$size_bytes" allocator="${1#nbdkit-}" \
        >"$work/$1.log" 2>&1 &
      pids+=($!)
      wait_for_socket "$sock"
      URI="nbd+unix:///?socket=$sock" ;;
  esac
}

# fio --output-format=terse (v3): field 8 = read IOPS, field 49 = write IOPS.
run_fio() { # URI RW QD JOBS -> IOPS
  local out
  out=$(fio --name=cmp --ioengine=nbd --uri="$1" --rw="$2" --bs=4k --iodepth="$3" --numjobs="$4" \
    --size="$REGION" --offset_increment="$REGION" --buffer_compress_percentage=50 --refill_buffers \
    --time_based --runtime="$RUNTIME" --ramp_time=2 --group_reporting --output-format=terse --terse-version=3)
  out=$(echo "$out" | grep '^3;')
  if [ "$2" = randread ]; then echo "$out" | awk -F';' '{printf "%d", $8}'; else echo "$out" | awk -F';' '{printf "%d", $49}'; fi
}

fill() { # URI: write both regions once with 50 % compressible data
  fio --name=fill --ioengine=nbd --uri="$1" --rw=write --bs=1M --iodepth=4 --numjobs=2 --size="$REGION" \
    --offset_increment="$REGION" --buffer_compress_percentage=50 --refill_buffers --group_reporting \
    --output-format=terse >/dev/null
}

cases=()
for rw in randwrite randread; do for qd in 1 16; do for jobs in 1 2; do cases+=("$rw $qd $jobs"); done; done; done

echo "nbd-fio-compare: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  fio $(fio --version), $(nbdkit --version), $(java -version 2>&1 | head -1)"
echo "  bs=4k, region $REGION per job, ${RUNTIME}s per job (+2s ramp), buffer_compress_percentage=50, jzram: $CPUS CPUs, $ALGORITHM"
declare -A iops
declare -A uris
for t in $TARGETS; do
  start_target "$t"
  uris[$t]=$URI
  fill "$URI"
done
# Targets take turns on each case, so load from elsewhere that comes and goes hits them alike.
for c in "${cases[@]}"; do
  read -r rw qd jobs <<<"$c"
  for t in $TARGETS; do
    iops[$t,$rw,$qd,$jobs]=$(run_fio "${uris[$t]}" "$rw" "$qd" "$jobs")
    printf '  %-14s %-9s qd=%-2s jobs=%s %9s IOPS  (load %s)\n' "$t" "$rw" "$qd" "$jobs" "${iops[$t,$rw,$qd,$jobs]}" \
      "$(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
if [ -n "${uris[jzram]:-}" ]; then
  java -jar "$JAR" cat --http-port "$(sed -n 's|^control plane: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/jzram.log")" \
    /sys/block/zram0/mm_stat | sed 's/^/  jzram zram0 mm_stat: /' >&2 || true
fi

ratio() { if [ -n "${2:-}" ] && [ "$2" != 0 ] && [ -n "${1:-}" ]; then awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; else echo "-"; fi; }
echo
printf '%-9s %3s %4s %10s %12s %14s %11s %12s\n' rw qd jobs jzram nbdkit-zstd nbdkit-sparse jzram/zstd jzram/sparse
for c in "${cases[@]}"; do
  read -r rw qd jobs <<<"$c"
  j=${iops[jzram,$rw,$qd,$jobs]:-}; z=${iops[nbdkit-zstd,$rw,$qd,$jobs]:-}; s=${iops[nbdkit-sparse,$rw,$qd,$jobs]:-}
  printf '%-9s %3s %4s %10s %12s %14s %11s %12s\n' "$rw" "$qd" "$jobs" "${j:--}" "${z:--}" "${s:--}" "$(ratio "$j" "$z")" "$(ratio "$j" "$s")"
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
verdict=0
for jobs in 1 2; do
  w=$(ratio "${iops[jzram,randwrite,16,$jobs]:-}" "${iops[nbdkit-zstd,randwrite,16,$jobs]:-}")
  r=$(ratio "${iops[jzram,randread,16,$jobs]:-}" "${iops[nbdkit-sparse,randread,16,$jobs]:-}")
  wok=$(awk -v x="$w" 'BEGIN{print (x != "-" && x >= 2) ? "met" : "MISSED"}')
  rok=$(awk -v x="$r" 'BEGIN{print (x != "-" && x >= 1) ? "met" : "MISSED"}')
  echo "target qd=16 jobs=$jobs: write jzram/nbdkit-zstd = $w (>= 2: $wok), read jzram/nbdkit-sparse = $r (>= 1: $rok)"
  [ "$wok" = met ] && [ "$rok" = met ] || verdict=1
done
exit $verdict
