#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Records how the real kernel's zram0 answers stores: one write() per case, exactly these bytes.

Run as root on a machine whose /sys/block/zram0 is unused (disksize 0). For each attribute, input
and starting state (uninitialised, or initialised with 1G), it resets zram0, prepares the state,
does the write, and records the result (bytes written or the errno name) and what the device shows
afterwards. zram0 is left reset. Output: TSV on stdout (see the header line).

    python3 record-zram-stores.py > zram-stores.tsv
"""
import errno
import os
import sys

Z = "/sys/block/zram0/"

INPUTS = [
    b"", b"\n", b"0", b"0\n", b"1", b"1\n", b"2", b"-1", b"+1", b" 1", b"1 ", b"1\n\n", b"abc", b"abc\n",
    b"1G", b"1G\n", b"64M", b"1g", b"4096", b"4097", b"0x1000", b"010", b"08", b"1Q", b"1KB",
    b"65535", b"65536", b"18446744073709551615", b"18446744073709551616", b"99999999999999999999x",
    b"1\x00junk", b"\x001", b"all", b"all\n", b"al", b"allx", b"lz4", b"lz4\n", b"lzo-rle", b"bogus", b"LZ4",
    b"algo=lz4", b"algo=lz4 level=1", b"level", b"level=", b"priority=0 level=3", b"priority=1 level=3",
    b"priority=4 level=3", b"algo=bogus", b"algo=lz4 dict=/nonexistent", b"foo=bar", b"deflate.winbits=10",
    b"x" * 127, b"x" * 128, b"x" * 4095, b"x" * 4096, b"1" + b" " * 5000,
]

STORES = ["disksize", "reset", "compact", "mem_limit", "mem_used_max", "idle", "comp_algorithm", "algorithm_params"]


def esc(b):
    if len(b) > 40:
        return "%s*%d" % (esc(b[:1]), len(b)) if b == b[:1] * len(b) else esc(b[:20]) + "...(%d bytes)" % len(b)
    out = []
    for c in b:
        if c == 0x0A:
            out.append("\\n")
        elif c == 0x5C:
            out.append("\\\\")
        elif c < 0x20 or c >= 0x7F or c == 0x09:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def write(path, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        return str(os.write(fd, data))
    except OSError as e:
        return errno.errorcode[e.errno]
    finally:
        os.close(fd)


def read(name):
    with open(Z + name) as f:
        return f.read()


def snapshot():
    mm = read("mm_stat").split()
    return "disksize=%s initstate=%s mem_limit=%s comp=%s" % (
        read("disksize").strip(), read("initstate").strip(), mm[3], read("comp_algorithm").strip().replace(" ", ","))


def main():
    if read("disksize").strip() != "0":
        sys.exit("zram0 is in use (disksize != 0): not touching it")
    print("attr\tstate\tinput\tresult\tafter")
    for attr in STORES:
        for state in ("uninit", "init"):
            for data in INPUTS:
                write(Z + "reset", b"1")
                if state == "init":
                    write(Z + "comp_algorithm", b"lz4")
                    write(Z + "disksize", b"1G")
                result = write(Z + attr, data)
                print("%s\t%s\t%s\t%s\t%s" % (attr, state, esc(data), result, snapshot()))
    write(Z + "reset", b"1")
    write(Z + "mem_limit", b"0")


if __name__ == "__main__":
    main()
