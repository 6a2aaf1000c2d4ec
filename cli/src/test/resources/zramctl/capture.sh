#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Captures util-linux zramctl's output for known states of the real kernel's /sys/block/zram0, for
# ZramctlTableTest. Needs root and a zram0 that nobody else uses: takes an exclusive lock on
# /tmp/jzram-real-zram0.lock (other tests use zram0 too) and always leaves zram0 reset.
# Usage: capture.sh OUTDIR
set -euo pipefail
out=${1:?usage: capture.sh OUTDIR}
mkdir -p "$out"
exec 9>/tmp/jzram-real-zram0.lock
flock -w 120 9
z=/sys/block/zram0
trap 'echo 1 > $z/reset' EXIT
echo 1 > $z/reset

snap() { # NAME: the state (disksize, comp_algorithm, mm_stat) and zramctl's answers to several option sets
  local d="$out/$1"; mkdir -p "$d"
  cat $z/disksize > "$d/disksize"; cat $z/comp_algorithm > "$d/comp_algorithm"; cat $z/mm_stat > "$d/mm_stat"
  local i=0
  while IFS= read -r opts; do
    i=$((i+1))
    # shellcheck disable=SC2086
    set +e; zramctl $opts > "$d/out.$i" 2> "$d/err.$i"; echo $? > "$d/rc.$i"; set -e
    printf '%s\n' "$opts" > "$d/args.$i"
  done <<'OPTS'

-b
--raw
-n
--raw -n -b
--output-all
--output-all -b
--output-all --raw
-o NAME,DISKSIZE
-o name,zero-pages,mem-limit,mem-used,migrated
-o DATA,NAME
/dev/zram0
-b /dev/zram0
-o NAME,FOO
/dev/zram9
OPTS
}

echo lz4 > $z/comp_algorithm
echo 1G > $z/disksize
snap empty-1g
# 1 MiB of random pages (huge), 3 MiB of zeros (same-filled), 512 KiB of text-like pages
head -c 1M /dev/urandom > /tmp/jzram-capture.rnd
dd if=/tmp/jzram-capture.rnd of=/dev/zram0 bs=1M count=1 oflag=direct status=none
dd if=/dev/zero of=/dev/zram0 bs=1M count=3 seek=1 oflag=direct status=none
for i in $(seq 1 16384); do printf 'jzram zramctl capture line %05d\n' "$i"; done > /tmp/jzram-capture.txt
truncate -s 512K /tmp/jzram-capture.txt
dd if=/tmp/jzram-capture.txt of=/dev/zram0 bs=512K count=1 seek=8 oflag=direct status=none
echo 100M > $z/mem_limit
snap data-lz4
echo 1 > $z/reset
echo lzo > $z/comp_algorithm
echo 123456789 > $z/disksize
dd if=/tmp/jzram-capture.rnd of=/dev/zram0 bs=4k count=3 oflag=direct status=none
snap odd-lzo
rm -f /tmp/jzram-capture.rnd /tmp/jzram-capture.txt
