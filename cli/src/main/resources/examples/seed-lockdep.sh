# SPDX-License-Identifier: GPL-2.0-only
# Emulator only. The seed's patch 11/12 makes disksize_store take zram_index_mutex inside its
# kernfs active reference, while hot_remove holds that mutex across del_gendisk, which drains the
# same reference: lockdep reports the cycle (without any deadlock happening). Upstream's fixes
# have no such lock.
rmmod zram
modprobe zram fixes=seed
cat /sys/class/zram-control/hot_add
echo 1M > /sys/block/zram1/disksize
echo 1 > /sys/class/zram-control/hot_remove
dmesg | grep -A 2 'possible circular locking'
dmesg -C
rmmod zram
modprobe zram fixes=upstream
cat /sys/class/zram-control/hot_add
echo 1M > /sys/block/zram1/disksize
echo 1 > /sys/class/zram-control/hot_remove
dmesg | grep -c 'possible circular locking' || true
