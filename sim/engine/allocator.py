"""Keep the memory a large run frees inside the process, for the next block to reuse.

A day of a large fleet allocates and frees a few dozen arrays of a block's size (1-2 MB) per
block, in two threads. glibc's allocator hands freed memory back to the kernel once the free
top of an arena passes its trim threshold (by default about twice the largest block freed so
far), and the next block faults the same pages in again: at ten million devices that was
half a million page faults and 4-6 s of kernel time a run on the 2-core development machine
(``resource.getrusage``), for arithmetic that takes about as long. Fixing the thresholds keeps
up to ``TRIM_THRESHOLD_BYTES`` of free memory at the top of each arena; peak memory is the
same (2,849-2,851 MB at ten million devices either way), because what is kept is reused.

No library exposes ``mallopt``, so it is called through ``ctypes``; on a C library without
it (musl, macOS) nothing changes.
"""

from __future__ import annotations

import ctypes

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Arrays larger than this are mapped on their own and unmapped when freed (32 MB is glibc's
# largest setting); smaller ones, a block's temporaries among them, come from the arenas.
MMAP_THRESHOLD_BYTES = 32 * 2**20
TRIM_THRESHOLD_BYTES = 256 * 2**20


def retain_freed_memory() -> bool:
    """Fix glibc's trim and mmap thresholds for this process; False where that is not possible.

    Idempotent, and it changes no result: only where freed memory waits to be reused.

    >>> retain_freed_memory() in (True, False)
    True
    """
    try:
        # The symbols the process has loaded, the C library's among them (no search for it).
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    except (OSError, TypeError):  # Windows loads no library by None
        return False
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
