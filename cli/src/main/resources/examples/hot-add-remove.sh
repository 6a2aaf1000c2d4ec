# SPDX-License-Identifier: GPL-2.0-only
# hot_add/hot_remove with data written and read back in between; runs on the real kernel too
# (as root, with zram0 unused: it adds and removes zram1 only).
set -e
head -c 65536 /dev/urandom > /tmp/jzram-example.data
for i in 1 2 3; do
  cat /sys/class/zram-control/hot_add
  echo 16M > /sys/block/zram1/disksize
  dd if=/tmp/jzram-example.data of=/dev/zram1 bs=4k oflag=direct status=none
  cmp -n 65536 /tmp/jzram-example.data /dev/zram1
  cat /sys/block/zram1/mm_stat
  echo 1 > /sys/class/zram-control/hot_remove
done
ls /sys/block | grep zram
