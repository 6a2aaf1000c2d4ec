#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In the style of LTP's zram02.sh, with the module loop that found bug 1: two loops at once, for
# DURATION seconds (default 15). One sets up a zram device as swap and tears it down again
# (disksize, mkswap, swapon, swapoff, reset) and, between rounds, hammers disksize and reset; the
# other unloads and reloads zram (rmmod, modprobe). Then zram is loaded again and the kernel log's
# warnings are shown.
#
#   jzram run --fixes none -- bash zram02-race.sh     # the seed's kernel: bug 1 (WARN, oopses), exit 1
#   jzram run --fixes all -- bash zram02-race.sh      # clean, exit 0
#
# On a real kernel (root, zram as a module, a scratch machine: it swaps on the device):
#   ZRAM_DEV=N DURATION=20 bash zram02-race.sh
# With zram built in (no module to unload) the module loop does nothing.
set -u
duration=${DURATION:-15}
dev=${ZRAM_DEV:-0}
size=${ZRAM_SIZE:-16M}
end=$((SECONDS + duration))
node=/dev/zram$dev
sys=/sys/block/zram$dev

swap_loop() {
	local rounds=0 swapped=0
	while [ "$SECONDS" -lt "$end" ]; do
		if echo "$size" 2>/dev/null > "$sys/disksize"; then
			if mkswap "$node" >/dev/null 2>&1 && swapon "$node" 2>/dev/null; then
				swapped=$((swapped + 1))
				swapoff "$node" 2>/dev/null
			fi
		fi
		for _ in 1 2 3 4 5 6 7 8; do
			echo 1 2>/dev/null > "$sys/reset"
			echo "$size" 2>/dev/null > "$sys/disksize"
		done
		echo 1 2>/dev/null > "$sys/reset"
		rounds=$((rounds + 1))
	done
	echo "swap loop: $rounds rounds, swapped on $swapped times"
}

module_loop() {
	local unloads=0 refused=0
	if ! grep -q '^zram ' /proc/modules 2>/dev/null && ! lsmod 2>/dev/null | grep -q '^zram '; then
		echo "module loop: zram is not a loaded module here; nothing to unload"
		return
	fi
	while [ "$SECONDS" -lt "$end" ]; do
		if rmmod zram 2>/dev/null; then
			unloads=$((unloads + 1))
		else
			refused=$((refused + 1))
		fi
		modprobe zram 2>/dev/null
	done
	echo "module loop: $unloads unloads, $refused refused"
}

swap_loop &
a=$!
module_loop &
b=$!
wait "$a" "$b"
swapoff "$node" 2>/dev/null
lsmod | grep -q '^zram ' || modprobe zram
dmesg | grep -E 'which has instances left|BUG:|WARNING:|Oops' | head -20
exit 0
