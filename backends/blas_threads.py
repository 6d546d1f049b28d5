"""The CPU's thread count: the BLAS threads (OpenBLAS's, in numpy's wheels) are the only threads the CPU
backend runs its work on, so ``autograd_core.set_num_threads`` / ``get_num_threads`` set and read theirs."""

import ctypes
import os
import warnings

from . import batched_gemm

_state = {}


def _openblas():
    """(get, set) of numpy's OpenBLAS thread count, or None where numpy's BLAS is not a reachable OpenBLAS."""
    if "funcs" not in _state:
        funcs = None
        path = batched_gemm._openblas_path()
        if path is not None:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                lib = None
            for get_name in batched_gemm.THREAD_COUNT_QUERIES if lib is not None else ():
                get = getattr(lib, get_name, None)
                put = getattr(lib, get_name.replace("_get_num_threads", "_set_num_threads"), None)
                if get is not None and put is not None:
                    get.argtypes, get.restype = [], ctypes.c_int
                    put.argtypes, put.restype = [ctypes.c_int], None
                    funcs = (get, put)
                    break
        _state["funcs"] = funcs
    return _state["funcs"]


def get_num_threads():
    """The number of threads the CPU's BLAS uses (the machine's core count where it cannot be asked)."""
    funcs = _openblas()
    return int(funcs[0]()) if funcs is not None else (os.cpu_count() or 1)


def set_num_threads(n):
    """Use ``n`` threads for the CPU's BLAS (numpy's OpenBLAS); warns where numpy's BLAS cannot be reached."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    funcs = _openblas()
    if funcs is None:
        warnings.warn("set_num_threads: numpy's BLAS is not an OpenBLAS this package can reach; the thread count "
                      "is left as it is (set OPENBLAS_NUM_THREADS or OMP_NUM_THREADS before starting Python)",
                      RuntimeWarning, stacklevel=2)
        return
    funcs[1](n)
