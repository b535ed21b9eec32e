"""One BLAS thread while the models fit.

NumPy and SciPy each bundle an OpenBLAS that starts a thread per core and lets idle threads spin
while waiting for work. The fits here use BLAS only for tiny vectors (L-BFGS-B's updates of 3-4
parameters) between large element-wise NumPy passes, which are single-threaded; the spinning
threads then take the second core away from the element-wise work. Measured on the project's
2-core machine, the BG/NBD fit of 1,000,000 customers took 2.2 s with two BLAS threads and
1.0 s with one (the same effect as OPENBLAS_NUM_THREADS=1, which this applies to a running
process). The limit is set only while a fit runs and restored afterwards.

Implementation: the OpenBLAS libraries loaded in the process are found in /proc/self/maps (Linux)
and their ``*_set_num_threads`` entry points called through ctypes, the way threadpoolctl does
it; where that is not possible (another platform, another BLAS) this does nothing."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

_PREFIXES = ("openblas_", "scipy_openblas_")
_SUFFIXES = ("", "64_")


@cache
def _controls() -> tuple[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr], ...]:
    """(get, set) number-of-threads functions of every OpenBLAS loaded now."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return ()
    try:
        paths = sorted({line.split()[-1] for line in maps.read_text().splitlines()
                        if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        return ()
    controls = []
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                getter = getattr(library, f"{prefix}get_num_threads{suffix}", None)
                setter = getattr(library, f"{prefix}set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    getter.restype = ctypes.c_int
                    setter.argtypes = [ctypes.c_int]
                    controls.append((getter, setter))
    return tuple(controls)


_lock = threading.Lock()
_holders = 0
_saved: list[int] = []


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the block with every loaded OpenBLAS limited to one thread, then restore. Nested and
    concurrent blocks (fits in several threads of a server) share the limit: the first to enter
    saves the thread counts, the last to leave restores them."""
    global _holders
    controls = _controls()
    with _lock:
        if _holders == 0:
            _saved[:] = [getter() for getter, _ in controls]
            for _, setter in controls:
                setter(1)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                for (_, setter), threads in zip(controls, _saved, strict=True):
                    setter(threads)
