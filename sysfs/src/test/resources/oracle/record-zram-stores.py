#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Records how the real kernel's zram0 answers stores: one write() per case, exactly these bytes.

Run as root on a machine whose /sys/block/zram0 is unused (disksize 0), holding the lock the
project's tests take:

    flock /tmp/jzram-real-zram0.lock python3 record-zram-stores.py > zram-stores.tsv

For each attribute, input and starting state (uninitialised, or initialised with lz4 and 1G), it
resets zram0, prepares the state, does the write, and records the result (bytes written or the
errno name) and what the device shows afterwards: every readable file under /sys/block/zram0
(recursively, symlinks not followed), written as the files whose content differs from the fresh
device's, which the first line after the header records in full ("baseline"). Left out: diskseq
and uevent, which carry the machine's count of disks added since boot. zram0 is left reset with
mem_limit 0. Output: TSV on stdout (see the header line); values escaped as esc() does, files
separated by "; ".
"""
import errno
import os
import sys

Z = "/sys/block/zram0/"
SKIP = {"diskseq", "uevent"}

INPUTS = [
    b"", b"\n", b"0", b"0\n", b"1", b"1\n", b"2", b"-1", b"+1", b" 1", b"1 ", b"1\n\n", b"abc", b"abc\n",
    b"1G", b"1G\n", b"64M", b"1g", b"4096", b"4097", b"0x1000", b"010", b"08", b"1Q", b"1KB",
    b"65535", b"65536", b"18446744073709551615", b"18446744073709551616", b"99999999999999999999x",
    b"1\x00junk", b"\x001", b"all", b"all\n", b"al", b"allx", b"lz4", b"lz4\n", b"lzo-rle", b"lzo-rle\n", b"lzo",
    b"zstd", b"lz4hc", b"deflate", b"842", b"bogus", b"LZ4",
    b"algo=lz4", b"algo=lz4 level=1", b"algo=lzo-rle", b"algo=lzo", b"algo=lzo-rle level=1", b"level", b"level=",
    b"priority=0 level=3", b"priority=1 level=3", b"priority=4 level=3", b"priority=9 algo=lz4",
    b"priority=9 algo=lzo-rle", b"priority=9", b"priority=-1", b"priority=x", b"priority=99999999999",
    b"level=99999999999", b"algo=bogus", b"algo=lz4 dict=/nonexistent", b"foo=bar", b"foo", b"deflate.winbits=10",
    b"deflate.winbits=x",
    b"x" * 127, b"x" * 128, b"x" * 4095, b"x" * 4096, b"1" + b" " * 5000,
]

STORES = ["disksize", "reset", "compact", "mem_limit", "mem_used_max", "idle", "comp_algorithm", "algorithm_params"]


def esc(b):
    """An input: escaped, and abbreviated over 40 bytes ("c*N" for N times c, else the first 20 and the length)."""
    if len(b) > 40:
        return "%s*%d" % (esc(b[:1]), len(b)) if b == b[:1] * len(b) else esc(b[:20]) + "...(%d bytes)" % len(b)
    return escv(b)


def escv(b):
    """A value, whole: \\n for a newline, \\\\ for a backslash, \\xNN for other control and non-ASCII bytes."""
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


def files():
    """Every readable regular file under zram0, relative, sorted (symlinks and unreadable ones left out)."""
    out = []
    for root, dirs, names in os.walk(Z, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, Z)
            if os.path.islink(p) or rel in SKIP or not os.stat(p).st_mode & 0o444:
                continue
            out.append(rel)
    return sorted(out)


def read(rel):
    try:
        with open(Z + rel, "rb") as f:
            return escv(f.read())
    except OSError as e:
        return "ERR:" + errno.errorcode[e.errno]


def snapshot(names):
    return {n: read(n) for n in names}


def main():
    if read("disksize") != "0\\n":
        sys.exit("zram0 is in use (disksize != 0): not touching it")
    write(Z + "reset", b"1")
    write(Z + "mem_limit", b"0")
    names = files()
    base = snapshot(names)
    print("attr\tstate\tinput\tresult\tafter")
    print("baseline\t-\t-\t-\t%s" % "; ".join("%s=%s" % (n, base[n]) for n in names))
    for attr in STORES:
        for state in ("uninit", "init"):
            for data in INPUTS:
                write(Z + "reset", b"1")
                write(Z + "mem_limit", b"0")
                if state == "init":
                    write(Z + "comp_algorithm", b"lz4")
                    write(Z + "disksize", b"1G")
                result = write(Z + attr, data)
                now = snapshot(names)
                diff = "; ".join("%s=%s" % (n, now[n]) for n in names if now[n] != base[n])
                print("%s\t%s\t%s\t%s\t%s" % (attr, state, esc(data), result, diff))
    write(Z + "reset", b"1")
    write(Z + "mem_limit", b"0")


if __name__ == "__main__":
    main()
