"""Folio sizes of a file's page cache, for bench/mount.ts (needs root).

    folio_sizes.py FILE...   prints one JSON object per file:
                             {"file", "pages", "resident", "mean_kib", "orders": {order: folios}}

Maps the file read-only, touches every page (already-cached pages are mapped
as they are; the caller reads the file first), takes each page's frame number
from /proc/self/pagemap and its compound-head/tail flags from
/proc/kpageflags: a head followed by N-1 tails is one folio of N pages. This
is how the bench shows which page-cache granularity each side copies out of,
instead of assuming it.
"""

import ctypes
import json
import mmap
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")
KPF_COMPOUND_HEAD = 1 << 15
KPF_COMPOUND_TAIL = 1 << 16
PFN_MASK = (1 << 55) - 1
PRESENT = 1 << 63


def folios(path):
    size = os.path.getsize(path)
    pages = size // PAGE
    with open(path, "rb") as f:
        # A private mapping (ctypes needs a writable buffer); it is only read,
        # so its pages stay the page cache's own.
        mm = mmap.mmap(f.fileno(), pages * PAGE, access=mmap.ACCESS_COPY)
    try:
        addr = _address(mm)
        for i in range(pages):
            mm[i * PAGE]  # fault the page in (maps the cached folio)
        with open("/proc/self/pagemap", "rb") as pm:
            pm.seek((addr // PAGE) * 8)
            entries = struct.unpack(f"{pages}Q", pm.read(pages * 8))
        orders = {}
        resident = 0
        run = 0

        def close_run():
            if run > 0:
                order = (run - 1).bit_length()
                orders[order] = orders.get(order, 0) + 1

        with open("/proc/kpageflags", "rb") as kf:
            for e in entries:
                if not e & PRESENT:
                    close_run()
                    run = 0
                    continue
                resident += 1
                kf.seek((e & PFN_MASK) * 8)
                (flags,) = struct.unpack("Q", kf.read(8))
                if flags & KPF_COMPOUND_TAIL and run > 0:
                    run += 1
                    continue
                close_run()
                run = 1
            close_run()
        count = sum(orders.values())
        return {
            "file": path,
            "pages": pages,
            "resident": resident,
            "mean_kib": (resident * PAGE / 1024 / count) if count else 0,
            "orders": {str(k): v for k, v in sorted(orders.items())},
        }
    finally:
        mm.close()


def _address(mm):
    """The virtual address of an mmap object's mapping (via a ctypes view of it)."""
    view = (ctypes.c_char * len(mm)).from_buffer(mm)
    try:
        return ctypes.addressof(view)
    finally:
        del view


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(folios(p)), flush=True)
