"""Timing done right: warm-up runs, a synchronised clock on GPUs, medians over repeats."""

import statistics
import time


def measure(step, sync=None, warmup=5, repeats=30, min_seconds=0.0):
    """Seconds per call of ``step()``: a dict of median, min, max and the sample count.

    ``sync`` (e.g. a device synchronize) runs before every clock read, so queued GPU work is counted.
    Repeats continue past ``repeats`` until ``min_seconds`` have been spent measuring.
    """
    sync = sync or (lambda: None)
    for _ in range(warmup):
        step()
    sync()
    samples = []
    spent = 0.0
    while len(samples) < repeats or spent < min_seconds:
        t0 = time.perf_counter()
        step()
        sync()
        dt = time.perf_counter() - t0
        samples.append(dt)
        spent += dt
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}
