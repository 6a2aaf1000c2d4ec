#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Cases of the seed's selftest (tools/testing/selftests/sysfs/sysfs.sh) on its test_sysfs module,
# as real bash: load it, write and read its attributes, a write to a read-only attribute, and the
# module-removal race (writing while it is unloaded and loaded again). Prints "ok: ..." or
# "FAIL: ..." per check; exits 1 on any failure or splat in dmesg. LOOP sets the race's seconds.
#
#   jzram run --fixes all -- bash test-sysfs.sh
set -u
DRIVER=test_sysfs
DIR=/sys/devices/virtual/misc/${DRIVER}0
LOOP=${LOOP:-3}
fail=0

check() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: expected '$3', got '$2'"
		fail=1
	fi
}

modprobe_reset() {
	modprobe -q -r $DRIVER 2>/dev/null
	modprobe $DRIVER write_delay_msec_y=10 "$@"
}

echo "run fstests sysfs/0001"
modprobe_reset
echo -n 1 > $DIR/reset
x=$(cat $DIR/test_dev_x)
echo -n $((x + 1)) > $DIR/test_dev_x
check "sysfs/0001 x reads back what was written" "$(cat $DIR/test_dev_x)" "$((x + 1))"

echo "run fstests sysfs/0002"
echo -n 3 > $DIR/test_dev_y
check "sysfs/0002 y reads x + 3 + 7" "$(cat $DIR/test_dev_y)" "$(($(cat $DIR/test_dev_x) + 10))"

echo "run fstests read-only"
err=$( { echo 1 > $DIR/dev; } 2>&1 )
check "a write to the read-only dev attribute" "${err##*: }" "Permission denied"

echo "run fstests sysfs/0005"
modprobe_reset
end=$((SECONDS + LOOP))
(
	n=0
	while [ "$SECONDS" -lt "$end" ]; do
		modprobe -r $DRIVER 2>/dev/null && n=$((n + 1))
		modprobe $DRIVER write_delay_msec_y=10 2>/dev/null
	done
	echo "unloaded $n times"
) &
(
	n=0
	while [ "$SECONDS" -lt "$end" ]; do
		echo -n 7 2>/dev/null > $DIR/test_dev_x && n=$((n + 1))
	done
	echo "wrote $n times"
) &
wait
modprobe $DRIVER write_delay_msec_y=10 2>/dev/null
check "sysfs/0005 the module is loaded after the race" "$(lsmod | grep -c "^$DRIVER ")" 1
modprobe -r $DRIVER
check "sysfs/0005 and unloads" "$(lsmod | grep -c "^$DRIVER ")" 0

if dmesg | grep -E 'BUG|WARNING|Oops|INFO: task'; then
	echo "FAIL: something found in dmesg"
	fail=1
fi
exit $fail
