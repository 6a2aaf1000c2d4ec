#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Real NBD/qemu/fio clients against `java -jar cli/target/jzram.jar serve` on a Unix socket
# (called by .ci/run after the test suite; runs alone too, after `mvn package`).
#
#   zram0 (lz4, 256M): nbdinfo; nbdcopy of a generated 64 MiB image in and back out, cmp;
#                      qemu-img compare of image and export; then its mm_stat through
#                      `jzram cat` must show the image: 4096 same-filled and 4096 huge pages.
#   zram1 (lz4, 256M): qemu-io writes with FUA, discard and write-zeroes read back;
#                      fio --ioengine=nbd randrw verify=crc32c with 2 jobs: no verify error.
#
# Every step is bounded (timeout); the server is stopped with SIGTERM at the end and must exit
# cleanly. Any failure prints what failed and the server's log, and exits non-zero.
# Needs nbdinfo/nbdcopy (libnbd-bin), qemu-img/qemu-io (qemu-utils), fio, cmp; set
# JZRAM_SKIP_REAL_CLIENTS=1 to skip where they cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=${JZRAM_JAR:-cli/target/jzram.jar}
STEP_TIMEOUT=${JZRAM_STEP_TIMEOUT:-120}

if [ "${JZRAM_SKIP_REAL_CLIENTS:-0}" = 1 ]; then
  echo "real-clients: skipped (JZRAM_SKIP_REAL_CLIENTS=1)"
  exit 0
fi
missing=""
for t in nbdinfo nbdcopy qemu-img qemu-io fio cmp java timeout; do
  command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
  echo "real-clients: FAILED: missing tools:$missing (Debian: apt-get install libnbd-bin qemu-utils fio diffutils)" >&2
  exit 1
fi
[ -f "$JAR" ] || { echo "real-clients: FAILED: $JAR not built (mvn -B package)" >&2; exit 1; }

work=$(mktemp -d /tmp/jzram-real-clients.XXXXXX)
sock=$work/nbd.sock
log=$work/serve.log
server_pid=""
current="start"

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "real-clients: server did not stop within 30 s of SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
}

finish() {
  rc=$?
  stop_server
  if [ "$rc" != 0 ]; then
    echo "real-clients: FAILED at step: $current (exit $rc)" >&2
    if [ -f "$log" ]; then
      echo "---- jzram serve log (last 40 lines) ----" >&2
      tail -40 "$log" >&2
    fi
  fi
  rm -rf "$work"
  exit "$rc"
}
trap finish EXIT

step() { current="$1"; echo; echo "== real-clients: $1"; }
fail() { echo "real-clients: $*" >&2; exit 1; }
bounded() { timeout --kill-after=10 "$STEP_TIMEOUT" "$@"; }

step "start jzram serve (2 devices, lz4, 256M) on $sock"
java -jar "$JAR" serve --socket "$sock" --http-port 0 --cpus 2 --devices 2 --disksize 256M --algorithm lz4 \
  >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q "jzram serve: ready" "$log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || fail "jzram serve exited during startup"
  sleep 0.1
done
grep -q "jzram serve: ready" "$log" || fail "jzram serve not ready after 60 s"
cat "$log"
http_port=$(sed -n 's|^control plane: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
[ -n "$http_port" ] || fail "no control plane port in the server's banner"
jzram() { bounded java -jar "$JAR" "$1" --http-port "$http_port" "${@:2}"; }
uri0="nbd+unix:///zram0?socket=$sock"
uri1="nbd+unix:///zram1?socket=$sock"

step "nbdinfo: export, size, block sizes"
bounded nbdinfo --list "nbd+unix:///?socket=$sock" | tee "$work/list.txt"
grep -q 'export="zram0"' "$work/list.txt" || fail "nbdinfo --list does not show zram0"
grep -q 'export="zram1"' "$work/list.txt" || fail "nbdinfo --list does not show zram1"
bounded nbdinfo "$uri0" | tee "$work/info.txt"
for want in "export-size: 268435456" "block_size_minimum: 1" "block_size_preferred: 4096" \
            "block_size_maximum: 33554432" "can_trim: true" "can_zero: true" "can_fua: true" "can_multi_conn: true"; do
  grep -q "$want" "$work/info.txt" || fail "nbdinfo: no '$want'"
done
[ "$(bounded nbdinfo --size "$uri0")" = 268435456 ] || fail "nbdinfo --size is not 268435456"

step "generate a 64 MiB image: 16M zeros, 16M random, 16M of 0xaa, 16M of text"
img=$work/image.raw
{
  head -c 16M /dev/zero
  head -c 16M /dev/urandom
  head -c 16M /dev/zero | tr '\0' '\252'
  (yes "jzram real-client check: compressible text, line after line" || true) | head -c 16M
} >"$img"
[ "$(stat -c %s "$img")" = 67108864 ] || fail "image is not 64 MiB"

step "nbdcopy image -> zram0 -> out, cmp"
bounded nbdcopy "$img" "$uri0"
bounded nbdcopy "$uri0" "$work/out.raw"
head -c 67108864 "$work/out.raw" | cmp - "$img" || fail "the first 64 MiB copied out differ from the image"
tail -c +67108865 "$work/out.raw" | cmp -s - <(head -c $((268435456 - 67108864)) /dev/zero) \
  || fail "the rest of the export does not read as zeros"
echo "identical"

step "qemu-img compare image vs export"
bounded qemu-img compare -f raw -F raw "$img" "$uri0" | tee "$work/cmp.txt"
grep -q "Images are identical" "$work/cmp.txt" || fail "qemu-img compare: not identical"

step "qemu-io on zram1: FUA write, discard, write-zeroes, read back"
bounded qemu-io -f raw "$uri1" \
  -c 'write -f -P 0x5a 0 1M' -c 'read -P 0x5a 0 1M' \
  -c 'write -P 0x33 1M 1M' -c 'discard 1M 512k' -c 'read -P 0 1M 512k' -c 'read -P 0x33 1536k 512k' \
  -c 'write -z 0 256k' -c 'read -P 0 0 256k' -c 'read -P 0x5a 256k 768k' \
  -c 'write -z -u 2M 64k' -c 'read -P 0 2M 64k' \
  -c 'write -f -P 0x77 4097 8191' -c 'read -P 0x77 4097 8191' -c 'read -P 0 0 4097' \
  -c flush | tee "$work/qemu-io.txt"
if grep -qiE "fail|error" "$work/qemu-io.txt"; then fail "qemu-io reported a failure"; fi

step "fio --ioengine=nbd randrw verify=crc32c, 2 jobs (disjoint 64 MiB regions of zram1)"
bounded fio --name=jzram-verify --ioengine=nbd --uri="$uri1" --rw=randrw --bs=4k --size=64M \
  --offset_increment=64M --numjobs=2 --iodepth=16 --verify=crc32c --do_verify=1 --verify_fatal=1 \
  --buffer_compress_percentage=50 --refill_buffers --verify_state_save=0 --group_reporting | tee "$work/fio.txt"
grep -qE "\(groupid=0, jobs=2\): err= 0" "$work/fio.txt" || fail "fio reported errors"
if grep -qiE "verify: bad|crc32c: verify failed|bad magic" "$work/fio.txt"; then fail "fio verify errors"; fi

step "jzram cat /sys/block/zram0/mm_stat: the image's pages"
jzram cat /sys/block/zram0/mm_stat | tee "$work/mm_stat"
read -r orig compr used limit usedmax same compacted huge hugesince <"$work/mm_stat"
echo "orig_data_size=$orig compr_data_size=$compr mem_used_total=$used same_pages=$same huge_pages=$huge"
# nbdcopy writes the zero region as holes (write-zeroes), so it stores 48 MiB: 4096 same-filled
# pages of 0xaa, 4096 incompressible (huge) random pages and 4096 text pages.
[ "$same" = 4096 ] || fail "same_pages is $same, expected 4096 (the 0xaa region)"
[ "$huge" = 4096 ] || fail "huge_pages is $huge, expected 4096 (the random region)"
[ "$orig" = $((12288 * 4096)) ] || fail "orig_data_size is $orig, expected $((12288 * 4096))"
[ "$compr" -lt "$orig" ] || fail "compr_data_size $compr is not below orig_data_size $orig"
jzram status
jzram cat /sys/block/zram1/io_stat

step "stop the server with SIGTERM"
kill -TERM "$server_pid"
set +e
timeout 60 tail --pid="$server_pid" -f /dev/null
wait "$server_pid"
serve_rc=$?
set -e
server_pid=""
tail -3 "$log"
[ "$serve_rc" = 143 ] || [ "$serve_rc" = 0 ] || fail "jzram serve exited with $serve_rc after SIGTERM"
grep -q "jzram serve: stopped" "$log" || fail "jzram serve did not report a clean stop"
[ ! -e "$sock" ] || fail "the socket $sock was not removed"
current="done"
echo
echo "== real-clients: all checks passed"
