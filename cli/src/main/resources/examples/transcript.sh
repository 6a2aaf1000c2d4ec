# SPDX-License-Identifier: GPL-2.0-only
# The command sequence of shell/src/test/resources/oracle/transcript.txt (recorded on the real 6.18 kernel).
# Runs on the emulator (jzram sh --cpus 2 --kconfig real transcript.sh) and, as root, on a machine
# whose zram0 is unused (bash transcript.sh); diff the two outputs.
cat /sys/block/zram0/comp_algorithm | od -An -c
echo bogus > /sys/block/zram0/comp_algorithm
echo lz4 > /sys/block/zram0/comp_algorithm; cat /sys/block/zram0/comp_algorithm
echo 0 > /sys/block/zram0/disksize
echo 0 > /sys/block/zram0/reset
echo abc > /sys/block/zram0/reset
echo all > /sys/block/zram0/idle
echo 1 > /sys/block/zram0/compact
echo 64M > /sys/block/zram0/mem_limit
echo xyz > /sys/block/zram0/mem_limit
echo 5 > /sys/block/zram0/mem_used_max
echo level > /sys/block/zram0/algorithm_params
echo 'algo=lz4 level=1' > /sys/block/zram0/algorithm_params
cat /sys/block/zram0/disksize /sys/block/zram0/initstate /sys/block/zram0/mm_stat
echo 1G > /sys/block/zram0/disksize; cat /sys/block/zram0/disksize /sys/block/zram0/initstate
echo 2G > /sys/block/zram0/disksize
echo lzo > /sys/block/zram0/comp_algorithm
cat /sys/block/zram0/mm_stat
echo all > /sys/block/zram0/idle; echo 1 > /sys/block/zram0/compact
head -c 8192 /dev/urandom | dd of=/dev/zram0 bs=4k oflag=direct status=none
cat /sys/block/zram0/mm_stat /sys/block/zram0/io_stat /sys/block/zram0/debug_stat /sys/block/zram0/stat
dd if=/dev/zero of=/dev/zram0 bs=4k seek=262144 count=1 oflag=direct status=none
blkdiscard -o 0 -l 4096 /dev/zram0; cat /sys/block/zram0/mm_stat /sys/block/zram0/io_stat
dd if=/dev/zero of=/dev/zram0 bs=4k seek=10 count=3 oflag=direct status=none; cat /sys/block/zram0/mm_stat
cat /sys/block/zram0/queue/logical_block_size /sys/block/zram0/queue/physical_block_size /sys/block/zram0/queue/discard_granularity /sys/block/zram0/queue/write_zeroes_max_bytes
echo 1 > /sys/block/zram0/reset; cat /sys/block/zram0/mm_stat /sys/block/zram0/disksize /sys/block/zram0/comp_algorithm /sys/block/zram0/initstate
echo 100G > /sys/block/zram0/disksize; cat /sys/block/zram0/disksize /sys/block/zram0/mm_stat; echo 1 > /sys/block/zram0/reset
echo 5 > /sys/class/zram-control/hot_remove
echo -1 > /sys/class/zram-control/hot_remove
cat /sys/devices/system/cpu/possible /sys/devices/system/cpu/online /sys/devices/system/cpu/cpu1/hotplug/state /sys/devices/system/cpu/cpu1/hotplug/target /sys/devices/system/cpu/cpu1/hotplug/fail
grep -n 'zram\|^ *0:\|prepare\|online$' /sys/devices/system/cpu/hotplug/states
