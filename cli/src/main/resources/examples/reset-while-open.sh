# SPDX-License-Identifier: GPL-2.0-only
# A device that is open cannot be reset (EBUSY); once closed it can. Runs on the real kernel too.
echo 8M > /sys/block/zram0/disksize
dd if=/dev/zero of=/dev/zram0 bs=4k count=16 oflag=direct status=none
sleep 1 < /dev/zram0 &
sleep 0.2
echo 1 > /sys/block/zram0/reset
cat /sys/block/zram0/initstate
wait
echo 1 > /sys/block/zram0/reset
cat /sys/block/zram0/initstate
