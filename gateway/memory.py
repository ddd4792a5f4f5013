"""``tune_malloc``: keep a process's peak memory close to what it really holds at once.

glibc's malloc serves blocks over its mmap threshold (128 KB at start) with their own mappings,
returned to the system when freed; but each time such a block is freed it raises the threshold
to that block's size, up to 32 MB. After the first 20 MB document, the next 20 MB copies (raw
bytes, their text) come from the heap instead, where freed space stays mapped and scattered, and
the peak keeps growing with what came before: measured in a worker fed every hostile bomb of
issue 17, 187-208 MB from one run to the next, and 240 MB in the API. A fixed threshold (1 MB)
turns that adjustment off: big blocks always come and go as mappings, and the same runs peak at
184-190 MB (worker) and 182 MB (API), every time. Called first thing by every gateway process;
a no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3
THRESHOLD = 1 << 20


def tune_malloc() -> bool:
    """True when glibc took the fixed threshold."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
