# SPDX-License-Identifier: GPL-2.0-only
# Emulator only (zram is built into the real kernel): unload and reload zram with other
# parameters, write data on each device, and look at the kernel log.
rmmod zram
modprobe zram num_devices=3 fixes=upstream
ls /sys/block
for i in 0 1 2; do
  echo 4M > /sys/block/zram$i/disksize
  dd if=/dev/urandom of=/dev/zram$i bs=4k count=8 status=none
done
cat /sys/block/zram2/mm_stat
rmmod zram
ls /sys/block
modprobe zram fixes=bogus
dmesg | grep zram
